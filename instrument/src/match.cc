#include "match.h"

#include <fnmatch.h>

#include <algorithm>
#include <optional>

namespace traceassist::instrument {

namespace {

// The answer for a pattern whose only special character is '*' (nearly all of them), as fnmatch(3)
// would give it but without copying either string: iterative, with single-star backtracking.
// nullopt when the pattern has a '?', '[' or '\\' before the answer is known: fnmatch decides.
std::optional<bool> StarMatch(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    const bool more = p < pattern.size();
    if (more && (pattern[p] == '?' || pattern[p] == '[' || pattern[p] == '\\')) return std::nullopt;
    if (more && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (more && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;  // a literal prefix that differs: no '?', '[' or '\\' after it could match
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  // Text used up: what is left of the pattern, if anything, needs at least one more character.
  return p == pattern.size();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (const std::optional<bool> answer = StarMatch(pattern, text)) return *answer;
  // fnmatch(3) reads NUL-terminated strings: a text with a NUL byte matches no such pattern.
  if (text.find('\0') != std::string_view::npos) return false;
  return fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

bool ImagePatternMatches(std::string_view pattern, std::string_view repository) {
  if (GlobMatch(pattern, repository)) return true;
  for (std::size_t i = repository.find('/'); i != std::string_view::npos;
       i = repository.find('/', i + 1)) {
    if (GlobMatch(pattern, repository.substr(i + 1))) return true;
  }
  return false;
}

bool RuntimeImagePatternMatches(std::string_view pattern, std::string_view repository) {
  if (pattern.find('/') != std::string_view::npos) return ImagePatternMatches(pattern, repository);
  if (GlobMatch(pattern, repository)) return true;
  const auto slash = repository.rfind('/');
  if (slash == std::string_view::npos || !GlobMatch(pattern, repository.substr(slash + 1)))
    return false;
  const std::string_view owner = repository.substr(0, slash);
  if (owner.size() >= 8 && owner.substr(owner.size() - 8) == "/library") return true;
  // A lone registry host ("mirror.example.com", "localhost:5000") before the name: a mirror.
  return owner.find('/') == std::string_view::npos &&
         (owner.find_first_of(".:") != std::string_view::npos || owner == "localhost");
}

bool NamePatternMatches(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.size() > pattern.size() && name.substr(0, pattern.size()) == pattern;
  }
  return name == pattern;
}

std::string_view Basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  // ASCII only, whatever the process locale: image names, paths and codes are ASCII.
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(sep, start), text.size());
    std::string_view part = text.substr(start, end - start);
    const auto first = part.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      part = part.substr(first, part.find_last_not_of(" \t") - first + 1);
      parts.emplace_back(part);
    }
    start = end + 1;
  }
  return parts;
}

}  // namespace traceassist::instrument
