// Small string matching helpers shared by the detector and the rules loader (private).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace traceassist::instrument {

// fnmatch(3) without flags: '*' matches any run of characters (including '/'), '?' any one
// character, '[...]' a set; a backslash quotes the next character.
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

// `s` with ASCII letters lower-cased (the library's one case helper).
std::string ToLower(std::string_view s);

// The items of a `sep`-separated list, each without surrounding spaces and tabs; empty items are
// left out ("a, ,b" -> a, b). The library's one split helper.
std::vector<std::string> Split(std::string_view text, char sep);

}  // namespace traceassist::instrument
