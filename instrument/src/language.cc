#include "traceassist/instrument/language.h"

#include <algorithm>
#include <string>
#include <utility>

#include "language_profile.h"
#include "match.h"

namespace traceassist::instrument {
std::string_view ToString(Language language) {
  if (const LanguageProfile* profile = FindProfile(language)) return profile->name;
  return language == Language::kNone ? "none" : "unknown";
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
  const std::string lower = ToLower(name);
  if (lower == "unknown") return Language::kUnknown;
  if (lower == "none") return Language::kNone;
  for (const LanguageProfile* profile : LanguageProfiles()) {
    if (profile->name == lower) return profile->language;
  }
  for (const LanguageProfile* profile : LanguageProfiles()) {
    for (std::string_view alias : profile->aliases) {
      if (alias == lower) return profile->language;
    }
  }
  return std::nullopt;
}

std::optional<Confidence> ParseConfidence(std::string_view name) {
  const std::string lower = ToLower(name);
  if (lower == "high") return Confidence::kHigh;
  if (lower == "medium") return Confidence::kMedium;
  if (lower == "low") return Confidence::kLow;
  return std::nullopt;
}

std::optional<Language> ParseLanguageOverride(std::string_view name) {
  const auto language = ParseLanguage(name);
  if (!language || *language == Language::kUnknown) return std::nullopt;
  return language;
}

std::optional<std::pair<std::string, Language>> ParseContainerLanguage(std::string_view entry) {
  const auto eq = entry.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  const auto language = ParseLanguageOverride(entry.substr(eq + 1));
  if (!language) return std::nullopt;
  return std::pair{std::string(entry.substr(0, eq)), *language};
}

}  // namespace traceassist::instrument
