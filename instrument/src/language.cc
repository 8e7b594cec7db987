#include "traceassist/instrument/language.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace traceassist::instrument {
namespace {

constexpr std::array<std::pair<Language, std::string_view>, 13> kNames{{
    {Language::kUnknown, "unknown"},
    {Language::kNone, "none"},
    {Language::kJava, "java"},
    {Language::kNodejs, "nodejs"},
    {Language::kPython, "python"},
    {Language::kDotnet, "dotnet"},
    {Language::kGo, "go"},
    {Language::kNginx, "nginx"},
    {Language::kApacheHttpd, "apache-httpd"},
    {Language::kRuby, "ruby"},
    {Language::kPhp, "php"},
    {Language::kRust, "rust"},
    {Language::kCpp, "cpp"},
}};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string_view ToString(Language language) {
  for (const auto& [lang, name] : kNames) {
    if (lang == language) return name;
  }
  return "unknown";
}

std::string_view ToString(Confidence confidence) {
  switch (confidence) {
    case Confidence::kHigh:
      return "high";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kLow:
      return "low";
    case Confidence::kNone:
      break;
  }
  return "none";
}

std::optional<Language> ParseLanguage(std::string_view name) {
  const std::string lower = Lower(name);
  for (const auto& [lang, text] : kNames) {
    if (text == lower) return lang;
  }
  if (lower == "node" || lower == "node.js" || lower == "javascript") return Language::kNodejs;
  if (lower == ".net" || lower == "net" || lower == "csharp") return Language::kDotnet;
  if (lower == "golang") return Language::kGo;
  if (lower == "httpd" || lower == "apache") return Language::kApacheHttpd;
  return std::nullopt;
}

std::optional<Confidence> ParseConfidence(std::string_view name) {
  const std::string lower = Lower(name);
  if (lower == "high") return Confidence::kHigh;
  if (lower == "medium") return Confidence::kMedium;
  if (lower == "low") return Confidence::kLow;
  return std::nullopt;
}

bool HasOperatorInjection(Language language) {
  switch (language) {
    case Language::kJava:
    case Language::kNodejs:
    case Language::kPython:
    case Language::kDotnet:
    case Language::kGo:
    case Language::kNginx:
    case Language::kApacheHttpd:
      return true;
    default:
      return false;
  }
}

bool SupportsInitContainers(Language language) {
  return language == Language::kJava || language == Language::kNodejs ||
         language == Language::kPython || language == Language::kDotnet;
}

}  // namespace traceassist::instrument
