// Follows the grammar of the distribution project's reference package (docker/distribution 2.8),
// written by hand as a small scanner so that the fuzzer sees every branch.
#include "traceassist/registry/reference.h"

#include <cctype>

namespace traceassist::registry {
namespace {

constexpr std::size_t kMaxNameLength = 255;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsHexLower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// One path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool ValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  std::size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < c.size() && !IsLowerAlnum(c[i])) ++i;
    const std::string_view sep = c.substr(start, i - start);
    const bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

// host ("a.b-c.d", "[::1]") with an optional ":port".
bool ValidDomain(std::string_view d) {
  std::string_view host = d;
  if (!d.empty() && d.front() == '[') {
    const auto close = d.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : d.substr(1, close - 1)) {
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':')) return false;
    }
    host = {};
    d = d.substr(close + 1);
    if (d.empty()) return true;
    if (d.front() != ':') return false;
  } else {
    const auto colon = d.find(':');
    host = d.substr(0, colon);
    d = colon == std::string_view::npos ? std::string_view{} : d.substr(colon);
    if (host.empty()) return false;
    std::size_t start = 0;
    while (start <= host.size()) {
      auto dot = host.find('.', start);
      if (dot == std::string_view::npos) dot = host.size();
      const auto label = host.substr(start, dot - start);
      if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
      for (char c : label) {
        if (!IsAlnum(c) && c != '-') return false;
      }
      start = dot + 1;
    }
  }
  if (d.empty()) return true;
  const auto port = d.substr(1);  // after ':'
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string CheckDigest(std::string_view digest) {
  const auto colon = digest.find(':');
  if (colon == std::string_view::npos)
    return "digest has no algorithm (want sha256:<64 hex digits>)";
  const auto algorithm = digest.substr(0, colon), hex = digest.substr(colon + 1);
  std::size_t want = 0;
  if (algorithm == "sha256") want = 64;
  if (algorithm == "sha512") want = 128;
  if (want == 0) return "digest algorithm '" + std::string(algorithm) + "' is not supported";
  if (hex.size() != want)
    return "digest has " + std::to_string(hex.size()) + " hex digits, want " + std::to_string(want);
  for (char c : hex) {
    if (!IsHexLower(c)) return "digest must be lower-case hex";
  }
  return {};
}

std::string CheckTag(std::string_view tag) {
  if (tag.empty()) return "empty tag after ':'";
  if (tag.size() > 128) return "tag is longer than 128 characters";
  if (!(IsAlnum(tag.front()) || tag.front() == '_'))
    return "tag must start with a letter, digit or _";
  for (char c : tag) {
    if (!(IsAlnum(c) || c == '_' || c == '.' || c == '-')) {
      return "tag contains '" + std::string(1, c) + "'";
    }
  }
  return {};
}

}  // namespace

std::string Reference::ToString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::variant<Reference, std::string> ParseReference(std::string_view text) {
  if (text.empty()) return std::string("empty image reference");
  if (text.size() > 1024) return std::string("image reference is longer than 1024 characters");
  for (char c : text) {
    if (c == '$' || c == '{' || c == '}') {
      return std::string("image reference contains a template placeholder ('") + c + "')";
    }
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return std::string("image reference contains white space or a control character");
    }
  }
  Reference ref;
  std::string_view rest = text;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (auto error = CheckDigest(ref.digest); !error.empty()) return error;
  }
  const auto last_slash = rest.rfind('/');
  if (const auto colon = rest.rfind(':');
      colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (auto error = CheckTag(ref.tag); !error.empty()) return error;
  }
  if (rest.empty()) return std::string("image reference has no repository name");

  std::string_view path = rest;
  const auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    const auto first = rest.substr(0, first_slash);
    bool has_upper = false;
    for (char c : first) has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || has_upper) {
      if (!ValidDomain(first)) return "registry host '" + std::string(first) + "' is not valid";
      ref.registry = first;
      path = rest.substr(first_slash + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == "index.docker.io" ||
      ref.registry == "registry-1.docker.io") {
    ref.registry = "docker.io";
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const auto component = path.substr(start, slash - start);
    if (!ValidComponent(component)) {
      for (char c : component) {
        if (std::isupper(static_cast<unsigned char>(c))) {
          return "repository name must be lower-case: '" + std::string(component) + "'";
        }
      }
      return "repository path component '" + std::string(component) + "' is not valid";
    }
    start = slash + 1;
  }
  ref.repository = path;
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxNameLength) {
    return std::string("repository name is longer than 255 characters");
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace traceassist::registry
