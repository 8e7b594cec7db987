// Per container: the language after overrides (flags and template annotations) and whether the
// Operator may inject it (eligibility). Decide() (policy.cc) puts the containers together.
#include "container_policy.h"

#include <fmt/format.h>

#include <algorithm>

#include "language_profile.h"
#include "match.h"
#include "traceassist/instrument/policy.h"

namespace traceassist::instrument {
namespace {

bool ValidContainerName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A variable the Operator must append to, set through valueFrom: it skips the container (#3166).
bool HasValueFromConflict(const ContainerView& c, const LanguageProfile& profile) {
  const Names vars = profile.appended_env;
  return std::any_of(c.env.begin(), c.env.end(), [&](const EnvVarView& e) {
    return e.value_from && std::find(vars.begin(), vars.end(), e.name) != vars.end();
  });
}

bool HasEnv(const ContainerView& c, std::string_view name) {
  return std::any_of(c.env.begin(), c.env.end(),
                     [&](const EnvVarView& e) { return e.name == name; });
}

}  // namespace

Overrides ReadOverrides(const Annotations& annotations) {
  Overrides o;
  if (const auto* v = FindAnnotation(annotations, kOptOutKey)) {
    const std::string value = ToLower(*v);
    if (value == "false")
      o.opted_out = true;
    else if (value != "true")
      o.invalid.emplace_back(kOptOutKey);
  }
  if (const auto* v = FindAnnotation(annotations, kLanguageKey)) {
    o.workload = ParseLanguageOverride(*v);
    if (!o.workload) o.invalid.emplace_back(kLanguageKey);
  }
  if (const auto* v = FindAnnotation(annotations, kContainerLanguagesKey)) {
    for (const auto& entry : Split(*v, ',')) {
      if (auto parsed = ParseContainerLanguage(entry))
        o.containers.push_back(std::move(*parsed));
      else
        o.invalid.emplace_back(kContainerLanguagesKey);
    }
  }
  if (const auto* v = FindAnnotation(annotations, kGoExeKey)) {
    if (!v->empty() && (*v)[0] == '/')
      o.go_exe = *v;
    else
      o.invalid.emplace_back(kGoExeKey);
  }
  return o;
}

void ApplyOverrides(const ContainerView& c, const Options& options, const Overrides& overrides,
                    bool bare_base_image, ContainerReport& report) {
  auto set = [&](Language language, std::string how) {
    const std::string detected(ToString(report.language));
    report.language = language;
    report.confidence = Confidence::kHigh;
    report.evidence.insert(report.evidence.begin(),
                           fmt::format("{} (detected: {})", how, detected));
  };
  if (auto it = options.container_languages.find(c.name); it != options.container_languages.end()) {
    return set(it->second,
               fmt::format("override --container-language {}={}", c.name, ToString(it->second)));
  }
  for (const auto& [name, language] : overrides.containers) {
    if (name == c.name) {
      return set(language, fmt::format("annotation {} {}={}", kContainerLanguagesKey, name,
                                       ToString(language)));
    }
  }
  if (c.role == ContainerRole::kInitContainer) return;
  if (report.language == Language::kNone && !bare_base_image) return;
  if (overrides.workload) {
    return set(*overrides.workload,
               fmt::format("annotation {}={}", kLanguageKey, ToString(*overrides.workload)));
  }
  if (options.language) {
    return set(*options.language,
               fmt::format("override --language {}", ToString(*options.language)));
  }
}

Eligibility CheckContainer(const WorkloadView& w, const ContainerView& c, const ContainerReport& r,
                           const Options& options, const Overrides& overrides,
                           const std::string& image_go_exe) {
  const bool init = c.role == ContainerRole::kInitContainer;
  if (r.language == Language::kNone) return {Reason::kInfrastructure};
  if (r.language == Language::kUnknown) return {Reason::kLanguageUnknown};
  if (r.confidence < options.min_confidence) return {Reason::kLowConfidence};
  const LanguageProfile* profile = FindProfile(r.language);
  if (profile == nullptr || !profile->operator_injection) return {Reason::kLanguageUnsupported};
  if (init && !options.init_containers) return {Reason::kInitContainersOff};
  if (init && !profile->init_containers) return {Reason::kInitContainerUnsupported};
  if (profile->enabled_by != nullptr && !(options.*profile->enabled_by))
    return {profile->disabled_reason};
  if (!ValidContainerName(c.name)) return {Reason::kInvalidContainerName};
  if (HasValueFromConflict(c, *profile)) return {Reason::kEnvValueFrom};
  if (!profile->skip_if_env.empty() && HasEnv(c, profile->skip_if_env))
    return {profile->skip_reason};
  if (r.language == Language::kGo) {
    if (w.share_process_namespace == false) return {Reason::kGoShareProcessNamespaceFalse};
    const auto regular =
        std::count_if(w.containers.begin(), w.containers.end(),
                      [](const ContainerView& x) { return x.role == ContainerRole::kContainer; });
    if (regular > 1) return {Reason::kGoMultipleContainers};
    if (!overrides.go_exe.empty()) return {std::nullopt, overrides.go_exe};
    if (!image_go_exe.empty()) return {std::nullopt, image_go_exe};
    if (!c.command.empty() && !c.command[0].empty() && c.command[0][0] == '/')
      return {std::nullopt, c.command[0]};
    return {Reason::kGoExeUnknown};
  }
  return {};
}

}  // namespace traceassist::instrument
