// Works out a container's language from what a manifest shows: image, environment variable names,
// command and arguments, probe paths. Built-in rules for every language live in detector_rules.cc;
// user rules (a YAML file, see LoadDetectionRules) are checked first.
//
// Thread-safe: a LanguageDetector is immutable once built.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/image_facts.h"
#include "traceassist/instrument/language.h"
#include "traceassist/instrument/status.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

struct Detection {
  Language language = Language::kUnknown;
  Confidence confidence = Confidence::kNone;
  std::vector<std::string> evidence;
  bool musl = false;  // an Alpine (musl libc) image
  // "none" only because a bare base image (ubuntu, distroless static) runs no command: not
  // recognised infrastructure, so traceassist.io/language and --language apply.
  bool bare_base_image = false;
  // The Go executable the image starts, from its entrypoint binary's Go build info
  // (--inspect-layers): what otel-go-auto-target-exe needs. Empty when not known.
  std::string go_exe = {};
};

// User-supplied rules. File format (YAML):
//   rules:
//     - image: "registry.example.com/payments/*"   # glob over the image repository (no tag)
//       language: java
//       confidence: high          # optional: low | medium | high (default high)
//     - env: MY_APP_JVM_FLAGS      # an environment variable name (a trailing * matches a prefix)
//       language: java
//     - command: my-launcher       # basename of command[0] (or args[0] when there is no command)
//       language: python
// A rule has exactly one of image / env / command. language may be any ToString(Language) name,
// including "none" (never instrument).
class DetectionRules {
 public:
  struct Rule {
    enum class Field { kImage, kEnv, kCommand } field;
    std::string pattern;
    Language language;
    Confidence confidence;
  };
  explicit DetectionRules(std::vector<Rule> rules) : rules_(std::move(rules)) {}
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
};

// Parses a rules file. Errors name the rule number and the YAML line/column.
Result<std::shared_ptr<const DetectionRules>> LoadDetectionRules(std::string_view yaml_text);

// Detects one container's language. `user_rules` may be null. `image`, what inspection learned
// about the container's image, may be null (manifest only). User rules, sidecars and recognised
// infrastructure come first; the image's evidence never makes infrastructure an application, and
// where the manifest's own command or env names a language, the image's hints for other languages
// are left out.
Detection DetectLanguage(const ContainerView& container, const DetectionRules* user_rules,
                         const ImageFacts* image = nullptr);

// The repository part of an image reference, lower-cased, without registry-default prefixes
// ("docker.io/library/"), tag or digest: "eclipse-temurin", "gcr.io/distroless/java17-debian12".
std::string ImageRepository(std::string_view image);
// The tag ("21-jre-alpine"), or empty.
std::string ImageTag(std::string_view image);

}  // namespace traceassist::instrument
