#include "match.h"

#include <algorithm>
#include <cctype>

namespace traceassist::instrument {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear for the patterns used here.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
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
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace traceassist::instrument
