// Languages TraceAssist can name for a container, and how sure it is.
//
// Pure value types; thread-safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace traceassist::instrument {

enum class Language : std::uint8_t {
  kUnknown,  // nothing points to a language: never a guess
  kNone,     // infrastructure or utility image (database, proxy, busybox): never instrumented
  kJava,
  kNodejs,
  kPython,
  kDotnet,
  kGo,
  kNginx,
  kApacheHttpd,
  kRuby,
  kPhp,
  kRust,
  kCpp,
  kErlang,  // Erlang and Elixir
};

enum class Confidence : std::uint8_t { kNone, kLow, kMedium, kHigh };

// The stable lower-case name used in reports and annotations: "java", "nodejs", "apache-httpd", ...
std::string_view ToString(Language language);
std::string_view ToString(Confidence confidence);

// Parses a name as written by ToString (case-insensitive; "node" and "dotnet"/"net" aliases
// accepted). Returns nullopt for anything else.
std::optional<Language> ParseLanguage(std::string_view name);
std::optional<Confidence> ParseConfidence(std::string_view name);

// The one validation of a language override, for every shell (CLI --language, API options,
// the traceassist.io/language annotation): ParseLanguage, except that "unknown" is refused.
std::optional<Language> ParseLanguageOverride(std::string_view name);
// One "NAME=LANGUAGE" override (CLI --container-language, an entry of the
// traceassist.io/container-languages annotation): a non-empty container name and a language
// ParseLanguageOverride accepts. Returns nullopt for anything else.
std::optional<std::pair<std::string, Language>> ParseContainerLanguage(std::string_view entry);

}  // namespace traceassist::instrument
