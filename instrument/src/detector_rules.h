// The built-in detection signals, one entry per language (private to the library).
#pragma once

#include <span>
#include <string_view>

#include "traceassist/instrument/language.h"

namespace traceassist::instrument::rules {

// Everything that points to one language. Image patterns are globs ('*') matched against the image
// repository or any '/'-separated suffix of it, so mirrors ("mirror.example/library/node") match
// too.
struct LanguageSignals {
  Language language;
  std::span<const std::string_view> images;          // high confidence
  std::span<const std::string_view> weak_images;     // medium (build images, framework images)
  std::span<const std::string_view> env_strong;      // exact names, or prefixes ending in '*'; high
  std::span<const std::string_view> env;             // medium
  std::span<const std::string_view> launchers;       // basenames of the started program; high
  std::span<const std::string_view> file_suffixes;   // arguments ending so ("app.jar"); medium
  std::span<const std::string_view> probe_prefixes;  // httpGet probe paths; medium
  std::span<const std::string_view> mount_prefixes;  // volumeMount paths; medium
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

}  // namespace traceassist::instrument::rules
