// The built-in detection signals, one entry per language (private to the library).
#pragma once

#include <span>
#include <string_view>

namespace traceassist::instrument::rules {

// Images that are infrastructure or utilities (databases, brokers, proxies, agents, sidecars):
// language "none", never instrumented.
std::span<const std::string_view> InfrastructureImages();
// Container names of well-known sidecars, whatever their image.
std::span<const std::string_view> SidecarNames();
// Base OS images: never language evidence on their own.
std::span<const std::string_view> BaseImages();
// Programs that make a container a utility (sleep loops, copy jobs), when nothing else points to a
// language.
std::span<const std::string_view> Utilities();
// Shells whose `-c` script is looked into.
std::span<const std::string_view> Shells();
// Programs that start the program after them (`exec java`, `tini -- node`, `env A=b python`).
std::span<const std::string_view> Wrappers();
// Interpreter options that say the next word is what runs ("-m", "-jar"): with no command, an
// interpreter named in args must be followed by one of these, a file of its language, or a
// non-option word, or it is an entrypoint's subcommand ("node" of a CSI driver).
std::span<const std::string_view> InterpreterOptions();

}  // namespace traceassist::instrument::rules
