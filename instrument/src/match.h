// Small string matching helpers shared by the detector and the rules loader (private).
#pragma once

#include <string>
#include <string_view>

namespace traceassist::instrument {

// '*' matches any run of characters (including '/'); everything else matches itself.
bool GlobMatch(std::string_view pattern, std::string_view text);

// True when `pattern` glob-matches the repository or any suffix of it that starts after a '/'.
bool ImagePatternMatches(std::string_view pattern, std::string_view repository);

// For a runtime's official image: a pattern with no '/' ("node") names a Docker Hub library image,
// so it matches "node", ".../library/node" or a registry host's "host/node" (a mirror), never
// another project's component ("calico/node"). Patterns with a '/' match as ImagePatternMatches.
bool RuntimeImagePatternMatches(std::string_view pattern, std::string_view repository);

// Exact name, or a prefix when the pattern ends with '*'. Case-sensitive, as env names are.
bool NamePatternMatches(std::string_view pattern, std::string_view name);

// The last path component: "/usr/bin/java" -> "java".
std::string_view Basename(std::string_view path);

std::string ToLower(std::string_view s);

}  // namespace traceassist::instrument
