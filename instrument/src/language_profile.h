// One profile per language: everything TraceAssist knows about it, in one file per language
// (src/languages/<lang>.cc, tested by test/instrument/language_<lang>_test.cc). Adding a language
// is one enumerator in language.h, one file here and one line in languages/profiles.cc.
//
// Private to the library. Profiles are constants; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "traceassist/instrument/language.h"
#include "traceassist/instrument/options.h"
#include "traceassist/instrument/reason.h"

namespace traceassist::instrument {

using Names = std::span<const std::string_view>;

// What points to the language in a manifest. Image patterns are globs ('*') matched as
// RuntimeImagePatternMatches: "node" is the official image and its mirrors, not "calico/node".
struct DetectionSignals {
  Names images;       // high confidence
  Names weak_images;  // medium (build images, framework images)
  Names env_strong;   // exact names, or prefixes ending in '*'; high
  Names env;          // medium
  // Low, and only beside other evidence for the language: never an answer on their own.
  Names env_supporting;
  Names launchers;       // basenames of the started program; high
  Names file_suffixes;   // arguments of a launcher ("app.jar"); medium
  Names probe_prefixes;  // httpGet probe paths; medium
  Names mount_prefixes;  // volumeMount paths; medium
  // Words of the image repository (split on / - _ .) that name the runtime ("orders-java"); low,
  // so a name alone never instruments at the default --min-confidence.
  Names image_tokens;
  // Globs over the started program's full, lower-cased path (an application server's script
  // under its home: "*/apache-tomcat-*/bin/*.sh"); high.
  Names launcher_paths;
  // A framework's naming convention for environment variables that a list of names cannot say
  // (.NET's hierarchical "Section__Key"); medium. Null when none.
  bool (*env_convention)(std::string_view name) = nullptr;
  // An interpreter whose basename may carry a version ("python3.11" is "python").
  std::string_view versioned_program;
  // Read from an image's config only (image inspection): the runtime version variables its
  // official images set (NODE_VERSION, PYTHON_VERSION); high. Their values may be reported.
  Names image_env;
  // Words of an image's history lines (its build steps: "pip install", "npm ci"); low, and only
  // beside other evidence for the language.
  Names history_words;
};

// An annotation (key suffix after instrumentation.opentelemetry.io/, value).
struct PlatformAnnotation {
  std::string_view key;
  std::string_view value;
};

struct LanguageProfile {
  Language language;
  std::string_view name;  // ToString(language): reports and inject-<name> keys
  Names aliases;          // other names ParseLanguage accepts, lower-case ("node", "golang")
  DetectionSignals detection;

  // --- The OpenTelemetry Operator's support. Without it the language is detected and reported,
  // never annotated (reason language_unsupported); the fields below then do not apply.
  bool operator_injection = false;
  // The Options field that turns the language on when the Operator has it off by default (Go,
  // nginx), and the reason given while it is off; null when the Operator enables it by default.
  bool Options::*enabled_by = nullptr;
  std::optional<Reason> disabled_reason;
  bool init_containers = false;  // the Operator injects into init containers (since ~0.146)
  // The per-language container-names key suffix, used when a pod has several languages.
  std::string_view container_names_key;
  // Variables the Operator appends to; set through valueFrom, it skips the container (#3166).
  Names appended_env;
  // A variable whose presence makes the Operator skip the container, and the reason given.
  std::string_view skip_if_env;
  std::optional<Reason> skip_reason;
  // Written when every container of the language runs on musl libc (an Alpine image).
  std::optional<PlatformAnnotation> musl;
};

// Every profile, in Language enumerator order (kUnknown and kNone have none).
std::span<const LanguageProfile* const> LanguageProfiles();
// The profile of `language`, or null for kUnknown and kNone.
const LanguageProfile* FindProfile(Language language);

// The profiles, one per file in src/languages/.
extern const LanguageProfile kJavaProfile;
extern const LanguageProfile kNodejsProfile;
extern const LanguageProfile kPythonProfile;
extern const LanguageProfile kDotnetProfile;
extern const LanguageProfile kGoProfile;
extern const LanguageProfile kNginxProfile;
extern const LanguageProfile kApacheHttpdProfile;
extern const LanguageProfile kRubyProfile;
extern const LanguageProfile kPhpProfile;
extern const LanguageProfile kRustProfile;
extern const LanguageProfile kCppProfile;
extern const LanguageProfile kErlangProfile;

}  // namespace traceassist::instrument
