// The built-in detection signals, one entry per language (private to the library).
#pragma once

#include <span>
#include <string_view>

#include "traceassist/instrument/language.h"

namespace traceassist::instrument::rules {

// Everything that points to one language. Image patterns are globs ('*') matched as
// RuntimeImagePatternMatches: "node" is the official image and its mirrors, not "calico/node".
struct LanguageSignals {
  Language language = Language::kUnknown;
  std::span<const std::string_view> images = {};       // high confidence
  std::span<const std::string_view> weak_images = {};  // medium (build images, framework images)
  std::span<const std::string_view> env_strong =
      {};                                      // exact names, or prefixes ending in '*'; high
  std::span<const std::string_view> env = {};  // medium
  // Low, and only beside other evidence for the language: never an answer on their own.
  std::span<const std::string_view> env_supporting = {};
  std::span<const std::string_view> launchers = {};  // basenames of the started program; high
  std::span<const std::string_view> file_suffixes =
      {};  // arguments of a launcher ("app.jar"); medium
  std::span<const std::string_view> probe_prefixes = {};  // httpGet probe paths; medium
  std::span<const std::string_view> mount_prefixes = {};  // volumeMount paths; medium
  // Words of the image repository (split on / - _ .) that name the runtime ("orders-java"); low,
  // so a name alone never instruments at the default --min-confidence.
  std::span<const std::string_view> image_tokens = {};
  // Globs over the started program's full, lower-cased path (an application server's script
  // under its home: "*/apache-tomcat-*/bin/*.sh"); high.
  std::span<const std::string_view> launcher_paths = {};
  // A framework's naming convention for environment variables that a list of names cannot say
  // (.NET's hierarchical "Section__Key"); medium. Null when none.
  bool (*env_convention)(std::string_view name) = nullptr;
};

std::span<const LanguageSignals> Languages();

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
