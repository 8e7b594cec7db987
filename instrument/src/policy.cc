// The annotation policy (Operator annotations doc §0). Decide() is the one place that turns a
// workload's neutral view into annotations to write; every shell (CLI, API, webhook) calls it.
#include "traceassist/instrument/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <span>

#include "match.h"
#include "traceassist/instrument/detector.h"

namespace traceassist::instrument {
namespace {

const std::string* Find(const Annotations& annotations, std::string_view key) {
  for (const auto& [k, v] : annotations) {
    if (k == key) return &v;  // the first of duplicate keys wins, as in yaml-cpp and the API server
  }
  return nullptr;
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(sep, start), text.size());
    std::string part(text.substr(start, end - start));
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) parts.push_back(std::move(part));
    start = end + 1;
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// The inject key suffix for a language ("inject-apache-httpd").
std::string InjectKey(Language language) { return fmt::format("inject-{}", ToString(language)); }

// The per-language container-names key. nginx is the odd one out (annotations doc §2).
std::string ContainerNamesKey(Language language) {
  if (language == Language::kNginx) return "inject-nginx-container-names";
  return fmt::format("{}-container-names", ToString(language));
}

bool ValidContainerName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The Operator's own injection markers (helper.go isAutoInstrumentationInjected).
bool OperatorAlreadyInjected(const WorkloadView& w) {
  for (const auto& c : w.containers) {
    if (c.name == "opentelemetry-auto-instrumentation" || c.name == "otel-agent-attach-apache" ||
        c.name == "otel-agent-source-container-clone" ||
        c.name.rfind("opentelemetry-auto-instrumentation-", 0) == 0) {
      return true;
    }
    for (const auto& e : c.env) {
      if (e.name == "OTEL_RESOURCE_ATTRIBUTES_NODE_NAME") return true;
    }
  }
  return false;
}

// Variables the Operator must append to; set through valueFrom it skips the container (#3166).
bool HasValueFromConflict(const ContainerView& c, Language language) {
  static constexpr std::string_view kJava[] = {"JAVA_TOOL_OPTIONS"};
  static constexpr std::string_view kNode[] = {"NODE_OPTIONS"};
  static constexpr std::string_view kPython[] = {"PYTHONPATH"};
  static constexpr std::string_view kDotnet[] = {"DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS",
                                                 "DOTNET_SHARED_STORE"};
  std::span<const std::string_view> vars;
  switch (language) {
    case Language::kJava:
      vars = kJava;
      break;
    case Language::kNodejs:
      vars = kNode;
      break;
    case Language::kPython:
      vars = kPython;
      break;
    case Language::kDotnet:
      vars = kDotnet;
      break;
    default:
      return false;
  }
  return std::any_of(c.env.begin(), c.env.end(), [&](const EnvVarView& e) {
    return e.value_from && std::find(vars.begin(), vars.end(), e.name) != vars.end();
  });
}

bool HasEnv(const ContainerView& c, std::string_view name) {
  return std::any_of(c.env.begin(), c.env.end(),
                     [&](const EnvVarView& e) { return e.name == name; });
}

struct Overrides {
  std::optional<Language> workload;                          // traceassist.io/language
  std::vector<std::pair<std::string, Language>> containers;  // traceassist.io/container-languages
  std::string go_exe;                                        // traceassist.io/go-target-exe
  bool opted_out = false;
  std::vector<std::string> invalid;  // keys with bad values
};

Overrides ReadOverrides(const Annotations& annotations) {
  Overrides o;
  if (const auto* v = Find(annotations, kOptOutKey)) {
    const std::string value = ToLower(*v);
    if (value == "false")
      o.opted_out = true;
    else if (value != "true")
      o.invalid.emplace_back(kOptOutKey);
  }
  if (const auto* v = Find(annotations, kLanguageKey)) {
    o.workload = ParseLanguage(*v);
    if (!o.workload || *o.workload == Language::kUnknown) {
      o.workload.reset();
      o.invalid.emplace_back(kLanguageKey);
    }
  }
  if (const auto* v = Find(annotations, kContainerLanguagesKey)) {
    for (const auto& entry : Split(*v, ',')) {
      const auto eq = entry.find('=');
      const auto lang =
          eq == std::string::npos ? std::nullopt : ParseLanguage(entry.substr(eq + 1));
      if (!lang || *lang == Language::kUnknown) {
        o.invalid.emplace_back(kContainerLanguagesKey);
        continue;
      }
      o.containers.emplace_back(entry.substr(0, eq), *lang);
    }
  }
  if (const auto* v = Find(annotations, kGoExeKey)) {
    if (!v->empty() && (*v)[0] == '/')
      o.go_exe = *v;
    else
      o.invalid.emplace_back(kGoExeKey);
  }
  return o;
}

// Precedence, most specific first: --container-language, the template's container-languages
// annotation, then (for application containers only, never for recognised infrastructure; a bare
// base image with no command is not that) the template's language annotation, --language, and
// last what detection found.
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

// Reasons that deserve a warning even when other containers of the pod are instrumented.
bool AlwaysWarn(std::string_view reason) {
  return reason == "language_unsupported" || reason == "go_disabled" ||
         reason == "nginx_disabled" || reason == "go_exe_unknown" ||
         reason == "go_multiple_containers" || reason == "go_share_process_namespace_false" ||
         reason == "env_value_from" || reason == "dotnet_auto_home_set" ||
         reason == "multi_instrumentation_off" || reason == "invalid_container_name";
}

std::string WarningText(const ContainerReport& c, std::string_view reason) {
  const std::string lang(ToString(c.language));
  if (reason == "language_unknown")
    return fmt::format("container {}: language unknown; set {}", c.name, kLanguageKey);
  if (reason == "low_confidence") {
    return fmt::format("container {}: {} detected with {} confidence only; set {} to confirm",
                       c.name, lang, ToString(c.confidence), kLanguageKey);
  }
  if (reason == "language_unsupported") {
    return fmt::format("container {}: {} has no OpenTelemetry Operator auto-instrumentation",
                       c.name, lang);
  }
  if (reason == "go_disabled")
    return fmt::format("container {}: Go detected; Go injection is off (--enable-go)", c.name);
  if (reason == "nginx_disabled") {
    return fmt::format("container {}: nginx detected; nginx injection is off (--enable-nginx)",
                       c.name);
  }
  if (reason == "go_exe_unknown") {
    return fmt::format("container {}: Go executable path unknown; set {} or an absolute command",
                       c.name, kGoExeKey);
  }
  if (reason == "go_multiple_containers") {
    return fmt::format("container {}: Go injection supports only single-container pods", c.name);
  }
  if (reason == "go_share_process_namespace_false") {
    return fmt::format(
        "container {}: Go injection needs shareProcessNamespace, which the pod disables", c.name);
  }
  if (reason == "env_value_from") {
    return fmt::format(
        "container {}: the Operator skips {} containers whose agent variable uses valueFrom",
        c.name, lang);
  }
  if (reason == "dotnet_auto_home_set") {
    return fmt::format("container {}: OTEL_DOTNET_AUTO_HOME is already set; the Operator skips it",
                       c.name);
  }
  if (reason == "multi_instrumentation_off") {
    return fmt::format("container {}: {} not instrumented (multi-instrumentation off)", c.name,
                       lang);
  }
  if (reason == "invalid_container_name")
    return fmt::format("container {}: name cannot be listed in container-names", c.name);
  return fmt::format("container {}: {}", c.name, reason);
}

struct Eligibility {
  Eligibility(std::string why = {}, std::string exe = {})
      : reason(std::move(why)), go_exe(std::move(exe)) {}
  std::string reason;  // empty when eligible
  std::string go_exe;
};

Eligibility CheckContainer(const WorkloadView& w, const ContainerView& c, const ContainerReport& r,
                           const Options& options, const Overrides& overrides) {
  const bool init = c.role == ContainerRole::kInitContainer;
  if (r.language == Language::kNone) return {"infrastructure"};
  if (r.language == Language::kUnknown) return {"language_unknown"};
  if (r.confidence < options.min_confidence) return {"low_confidence"};
  if (!HasOperatorInjection(r.language)) return {"language_unsupported"};
  if (init && !options.init_containers) return {"init_containers_off"};
  if (init && !SupportsInitContainers(r.language)) return {"init_container_unsupported"};
  if (r.language == Language::kGo && !options.enable_go) return {"go_disabled"};
  if (r.language == Language::kNginx && !options.enable_nginx) return {"nginx_disabled"};
  if (!ValidContainerName(c.name)) return {"invalid_container_name"};
  if (HasValueFromConflict(c, r.language)) return {"env_value_from"};
  if (r.language == Language::kDotnet && HasEnv(c, "OTEL_DOTNET_AUTO_HOME"))
    return {"dotnet_auto_home_set"};
  if (r.language == Language::kGo) {
    if (w.share_process_namespace == false) return {"go_share_process_namespace_false"};
    const auto regular =
        std::count_if(w.containers.begin(), w.containers.end(),
                      [](const ContainerView& x) { return x.role == ContainerRole::kContainer; });
    if (regular > 1) return {"go_multiple_containers"};
    if (!overrides.go_exe.empty()) return {"", overrides.go_exe};
    if (!c.command.empty() && !c.command[0].empty() && c.command[0][0] == '/')
      return {"", c.command[0]};
    return {"go_exe_unknown"};
  }
  return {};
}

void AddReason(std::vector<std::string>& reasons, std::string_view reason) {
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end())
    reasons.emplace_back(reason);
}

std::set<std::string, std::less<>> ParseManaged(const Annotations& annotations) {
  std::set<std::string, std::less<>> owned;
  if (const auto* v = Find(annotations, kManagedKey)) {
    for (const auto& suffix : Split(*v, ',')) owned.insert(std::string(kOperatorPrefix) + suffix);
  }
  return owned;
}

// Fills set/remove from the desired annotations against what the template has now.
void Reconcile(const Annotations& existing, const std::set<std::string, std::less<>>& owned,
               const Annotations& desired, Decision& d) {
  for (const auto& [key, value] : desired) {
    const auto* current = Find(existing, key);
    if (current == nullptr || *current != value) d.set.emplace_back(key, value);
  }
  auto desired_has = [&](std::string_view key) { return Find(desired, key) != nullptr; };
  for (const auto& key : owned) {
    if (!desired_has(key) && Find(existing, key) != nullptr) d.remove.push_back(key);
  }
  if (!desired_has(kManagedKey) && Find(existing, kManagedKey) != nullptr)
    d.remove.emplace_back(kManagedKey);
}

}  // namespace

Decision Decide(const WorkloadView& w, const Options& options) {
  Decision d;
  ObjectReport& r = d.report;
  r.kind = w.kind;
  r.name = w.name;
  r.namespace_ = w.namespace_;
  r.line = w.line;
  const std::string ref = r.Ref();
  auto warn = [&](std::string code, std::string message, int line = 0) {
    d.warnings.push_back({0, ref, std::move(code), std::move(message), line > 0 ? line : r.line});
  };
  auto finish = [&](ObjectStatus status) {
    r.status = status;
    r.annotations_added = d.set;
    r.annotations_removed = d.remove;
    return d;
  };

  if (!w.controller.empty() && !options.instrument_owned) {
    r.reasons.emplace_back("owned_by_controller");
    warn("owned_by_controller",
         fmt::format("owned by controller {}; instrument the owner instead", w.controller));
    return finish(ObjectStatus::kSkipped);
  }
  if (!w.has_template) {
    r.reasons.emplace_back("no_pod_template");
    warn("no_pod_template", "no pod template (spec.template) to annotate");
    return finish(ObjectStatus::kSkipped);
  }

  const auto owned = ParseManaged(w.annotations);
  if (options.action == Action::kRemove) {
    Reconcile(w.annotations, owned, {}, d);
    return finish(d.changes() ? ObjectStatus::kUninstrumented : ObjectStatus::kUnchanged);
  }

  const Overrides overrides = ReadOverrides(w.annotations);
  for (const auto& key : overrides.invalid) {
    AddReason(r.reasons, "invalid_override");
    warn("invalid_override", fmt::format("annotation {} has an invalid value; ignored", key));
  }

  // Detect every container (init containers too: the report shows them even when not instrumented).
  std::vector<Eligibility> eligibility;
  std::vector<bool> musl;
  for (const auto& c : w.containers) {
    const Detection det = DetectLanguage(c, options.rules.get());
    musl.push_back(det.musl);
    ContainerReport cr{c.name,       c.role, c.image, det.language, det.confidence,
                       det.evidence, false,  "",      c.line};
    ApplyOverrides(c, options, overrides, det.bare_base_image, cr);
    eligibility.push_back(CheckContainer(w, c, cr, options, overrides));
    r.containers.push_back(std::move(cr));
  }

  // Annotations on the template that TraceAssist did not write: the user decided; touch nothing.
  for (const auto& [key, value] : w.annotations) {
    if (key.rfind(kOperatorPrefix, 0) == 0 && owned.count(key) == 0) {
      r.reasons.insert(r.reasons.begin(), "already_configured");
      for (auto& c : r.containers) c.reason = "already_configured";
      return finish(ObjectStatus::kSkipped);
    }
  }
  if (OperatorAlreadyInjected(w)) {
    r.reasons.insert(r.reasons.begin(), "already_instrumented");
    return finish(ObjectStatus::kSkipped);
  }

  Annotations desired;
  if (overrides.opted_out) {
    r.reasons.insert(r.reasons.begin(), "opted_out");
    for (auto& c : r.containers) c.reason = "opted_out";
    Reconcile(w.annotations, owned, desired, d);
    return finish(ObjectStatus::kSkipped);
  }

  // Group the eligible containers by language, in order of first appearance.
  std::vector<std::pair<Language, std::vector<std::size_t>>> groups;
  std::string go_exe;
  for (std::size_t i = 0; i < r.containers.size(); ++i) {
    if (!eligibility[i].reason.empty()) continue;
    const Language lang = r.containers[i].language;
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == lang; });
    if (it == groups.end()) it = groups.insert(groups.end(), {lang, {}});
    it->second.push_back(i);
    if (lang == Language::kGo) go_exe = eligibility[i].go_exe;
  }
  if (groups.size() > 1 && !options.multi_instrumentation) {
    // Keep the language with the most containers (the first one on a tie).
    const auto dominant = std::max_element(
        groups.begin(), groups.end(),
        [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
    for (auto& g : groups) {
      if (&g == &*dominant) continue;
      for (std::size_t i : g.second) eligibility[i].reason = "multi_instrumentation_off";
    }
    groups = {*dominant};
  }

  bool any = false;
  for (std::size_t i = 0; i < r.containers.size(); ++i) {
    auto& c = r.containers[i];
    c.reason = eligibility[i].reason;
    c.instrumented = c.reason.empty();
    any |= c.instrumented;
  }
  for (std::size_t i = 0; i < r.containers.size(); ++i) {
    const auto& c = r.containers[i];
    if (c.instrumented || c.reason == "infrastructure" || c.reason == "init_containers_off")
      continue;
    if (c.role == ContainerRole::kInitContainer && c.reason != "env_value_from") continue;
    if (!any || AlwaysWarn(c.reason)) {
      AddReason(r.reasons, c.reason);
      warn(c.reason, WarningText(c, c.reason), c.line);
    }
  }

  if (!any) {
    const bool all_infra =
        std::all_of(r.containers.begin(), r.containers.end(), [](const ContainerReport& c) {
          return c.role == ContainerRole::kInitContainer || c.reason == "infrastructure";
        });
    if (r.reasons.empty() ||
        (all_infra && r.reasons == std::vector<std::string>{"invalid_override"})) {
      AddReason(r.reasons, all_infra ? "no_app_container" : "language_unknown");
    }
    Reconcile(w.annotations, owned, desired, d);
    return finish(ObjectStatus::kSkipped);
  }

  const std::string prefix(kOperatorPrefix);
  std::vector<std::string> written;  // key suffixes, for the ownership marker
  auto put = [&](std::string suffix, std::string value) {
    desired.emplace_back(prefix + suffix, std::move(value));
    written.push_back(std::move(suffix));
  };
  auto names = [&](const std::vector<std::size_t>& indices) {
    std::vector<std::string> out;
    for (std::size_t i : indices) out.push_back(r.containers[i].name);
    return Join(out, ",");
  };
  for (const auto& [lang, indices] : groups) put(InjectKey(lang), options.instrumentation);
  if (groups.size() == 1) {
    put("container-names", names(groups[0].second));
  } else {
    for (const auto& [lang, indices] : groups) put(ContainerNamesKey(lang), names(indices));
  }
  for (const auto& [lang, indices] : groups) {
    auto all_musl = [&, &idx = indices] {
      return std::all_of(idx.begin(), idx.end(), [&](std::size_t i) { return musl[i]; });
    };
    if (lang == Language::kGo) {
      put("otel-go-auto-target-exe", go_exe);
      warn("go_privileged",
           "Go injection adds a privileged eBPF sidecar; Pod Security baseline/restricted rejects "
           "it");
    } else if (lang == Language::kPython && all_musl()) {
      put("otel-python-platform", "musl");
    } else if (lang == Language::kDotnet && all_musl()) {
      put("otel-dotnet-auto-runtime", "linux-musl-x64");
    }
  }
  desired.emplace_back(kManagedKey, Join(written, ","));

  Reconcile(w.annotations, owned, desired, d);
  return finish(d.changes() ? ObjectStatus::kInstrumented : ObjectStatus::kUnchanged);
}

Status ValidateInstrumentationRef(std::string_view ref) {
  if (ref == "true") return Status::Ok();
  auto dns1123 = [](std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    if (!std::isalnum(static_cast<unsigned char>(s.front())) ||
        !std::isalnum(static_cast<unsigned char>(s.back()))) {
      return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
  };
  const auto slash = ref.find('/');
  const bool ok = slash == std::string_view::npos
                      ? dns1123(ref, 253)
                      : dns1123(ref.substr(0, slash), 63) && dns1123(ref.substr(slash + 1), 253);
  if (ok && ref != "false") return Status::Ok();
  return Status::Error(
      fmt::format("invalid Instrumentation reference `{}`: use \"true\", a resource name, or "
                  "namespace/name (lower-case DNS names)",
                  ref));
}

}  // namespace traceassist::instrument
