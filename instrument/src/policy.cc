// The annotation policy (Operator annotations doc §0). Decide() is the one place that turns a
// workload's neutral view into annotations to write; every shell (CLI, API, webhook) calls it.
#include "traceassist/instrument/policy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "container_policy.h"
#include "language_profile.h"
#include "match.h"
#include "ownership.h"
#include "traceassist/instrument/detector.h"
#include "traceassist/instrument/reason.h"

namespace traceassist::instrument {
namespace {

// The inject key suffix for a language ("inject-apache-httpd").
std::string InjectKey(Language language) { return fmt::format("inject-{}", ToString(language)); }

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

// "container app: language unknown; set traceassist.io/language"
std::string WarningText(const ContainerReport& c, Reason reason) {
  std::string_view key;
  if (reason == Reason::kLanguageUnknown || reason == Reason::kLowConfidence) key = kLanguageKey;
  if (reason == Reason::kGoExeUnknown) key = kGoExeKey;
  return fmt::format("container {}: {}", c.name,
                     FormatReason(Info(reason).message, {.lang = ToString(c.language),
                                                         .confidence = ToString(c.confidence),
                                                         .key = key,
                                                         .detail = {}}));
}

void AddReason(std::vector<std::string>& reasons, Reason reason) {
  const std::string_view code = ToString(reason);
  if (std::find(reasons.begin(), reasons.end(), code) == reasons.end()) reasons.emplace_back(code);
}

std::string Code(Reason reason) { return std::string(ToString(reason)); }

// Fills set/remove from the desired annotations against what the template has now.
void Reconcile(const Annotations& existing, const std::set<std::string, std::less<>>& owned,
               const Annotations& desired, Decision& d) {
  for (const auto& [key, value] : desired) {
    const auto* current = FindAnnotation(existing, key);
    if (current == nullptr || *current != value) d.set.emplace_back(key, value);
  }
  auto desired_has = [&](std::string_view key) { return FindAnnotation(desired, key) != nullptr; };
  for (const auto& key : owned) {
    if (!desired_has(key) && FindAnnotation(existing, key) != nullptr) d.remove.push_back(key);
  }
  if (!desired_has(kManagedKey) && FindAnnotation(existing, kManagedKey) != nullptr)
    d.remove.emplace_back(kManagedKey);
}

// Kubernetes refuses an object whose annotations, keys and values together, exceed 256 KiB.
constexpr std::size_t kMaxAnnotationBytes = std::size_t{256} << 10;

// The size of the template's annotations once `d` is applied.
std::size_t AnnotationBytesAfter(const Annotations& existing, const Decision& d) {
  std::size_t total = 0;
  for (const auto& [key, value] : existing) {
    const bool removed = std::find(d.remove.begin(), d.remove.end(), key) != d.remove.end();
    if (!removed && FindAnnotation(d.set, key) == nullptr) total += key.size() + value.size();
  }
  for (const auto& [key, value] : d.set) total += key.size() + value.size();
  return total;
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
  auto warn = [&](Reason reason, std::string message, int line = 0) {
    d.warnings.push_back({0, ref, Code(reason), std::move(message), line > 0 ? line : r.line});
  };
  auto finish = [&](ObjectStatus status) {
    r.status = status;
    r.annotations_added = d.set;
    r.annotations_removed = d.remove;
    return d;
  };

  if (!w.controller.empty() && !options.instrument_owned) {
    AddReason(r.reasons, Reason::kOwnedByController);
    warn(Reason::kOwnedByController,
         FormatReason(Info(Reason::kOwnedByController).message,
                      {.lang = {}, .confidence = {}, .key = {}, .detail = w.controller}));
    return finish(ObjectStatus::kSkipped);
  }
  if (!w.has_template) {
    AddReason(r.reasons, Reason::kNoPodTemplate);
    warn(Reason::kNoPodTemplate, std::string(Info(Reason::kNoPodTemplate).message));
    return finish(ObjectStatus::kSkipped);
  }

  const Ownership ownership = ReadOwnership(w.annotations);
  const auto& owned = ownership.owned;
  const Overrides overrides = ReadOverrides(w.annotations);
  // Removing what TraceAssist wrote: uninstrument, or an opt-out (traceassist.io/instrument:
  // false).
  const bool removing = options.action == Action::kRemove || overrides.opted_out;
  // A value TraceAssist wrote and the user edited since is the user's: never overwritten, and
  // uninstrument and an opt-out keep it.
  for (const auto& key : ownership.edited) {
    warn(Reason::kAlreadyConfigured,
         fmt::format("{} was edited by hand since TraceAssist wrote it: {}", key,
                     removing ? "kept, it is yours now" : "it is yours now, nothing is changed"));
  }
  if (options.action == Action::kRemove) {
    Reconcile(w.annotations, owned, {}, d);
    return finish(d.changes() ? ObjectStatus::kUninstrumented : ObjectStatus::kUnchanged);
  }

  for (const auto& key : overrides.invalid) {
    AddReason(r.reasons, Reason::kInvalidOverride);
    warn(Reason::kInvalidOverride,
         FormatReason(Info(Reason::kInvalidOverride).message,
                      {.lang = {}, .confidence = {}, .key = key, .detail = {}}));
  }

  // Detect every container (init containers too: the report shows them even when not instrumented).
  std::vector<Eligibility> eligibility;
  std::vector<bool> musl;
  for (const auto& c : w.containers) {
    const ImageFacts* image = options.image_facts ? options.image_facts(c.image) : nullptr;
    const Detection det = DetectLanguage(c, options.rules.get(), image);
    musl.push_back(det.musl);
    ContainerReport cr{c.name,       c.role, c.image, det.language, det.confidence,
                       det.evidence, false,  "",      c.line};
    ApplyOverrides(c, options, overrides, det.bare_base_image, cr);
    eligibility.push_back(CheckContainer(w, c, cr, options, overrides, det.go_exe));
    r.containers.push_back(std::move(cr));
  }

  // Annotations on the template that TraceAssist did not write: the user decided; touch nothing.
  // (A value TraceAssist wrote and the user edited does not hold back an opt-out: the keys still
  // TraceAssist's go, the edited one stays.)
  auto edited = [&](const std::string& key) {
    return std::find(ownership.edited.begin(), ownership.edited.end(), key) !=
           ownership.edited.end();
  };
  for (const auto& [key, value] : w.annotations) {
    if (key.rfind(kOperatorPrefix, 0) == 0 && owned.count(key) == 0 &&
        !(overrides.opted_out && edited(key))) {
      r.reasons.insert(r.reasons.begin(), Code(Reason::kAlreadyConfigured));
      for (auto& c : r.containers) c.reason = Code(Reason::kAlreadyConfigured);
      return finish(ObjectStatus::kSkipped);
    }
  }
  if (OperatorAlreadyInjected(w)) {
    r.reasons.insert(r.reasons.begin(), Code(Reason::kAlreadyInstrumented));
    return finish(ObjectStatus::kSkipped);
  }

  Annotations desired;
  if (overrides.opted_out) {
    r.reasons.insert(r.reasons.begin(), Code(Reason::kOptedOut));
    for (auto& c : r.containers) c.reason = Code(Reason::kOptedOut);
    Reconcile(w.annotations, owned, desired, d);
    return finish(ObjectStatus::kSkipped);
  }

  // Group the eligible containers by language, in order of first appearance.
  std::vector<std::pair<Language, std::vector<std::size_t>>> groups;
  std::string go_exe;
  for (std::size_t i = 0; i < r.containers.size(); ++i) {
    if (eligibility[i].reason) continue;
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
      for (std::size_t i : g.second) eligibility[i].reason = Reason::kMultiInstrumentationOff;
    }
    groups = {*dominant};
  }

  bool any = false;
  for (std::size_t i = 0; i < r.containers.size(); ++i) {
    auto& c = r.containers[i];
    c.reason = eligibility[i].reason ? Code(*eligibility[i].reason) : std::string();
    c.instrumented = !eligibility[i].reason;
    any |= c.instrumented;
  }
  for (std::size_t i = 0; i < r.containers.size(); ++i) {
    const auto& c = r.containers[i];
    const std::optional<Reason> why = eligibility[i].reason;
    // Infrastructure is never worth a warning; init containers are off by the user's choice.
    if (!why || *why == Reason::kInfrastructure || *why == Reason::kInitContainersOff) continue;
    if (c.role == ContainerRole::kInitContainer && *why != Reason::kEnvValueFrom) continue;
    if (!any || Info(*why).warns == Warns::kAlways) {
      AddReason(r.reasons, *why);
      warn(*why, WarningText(c, *why), c.line);
    }
  }

  if (!any) {
    const bool all_infra =
        std::all_of(r.containers.begin(), r.containers.end(), [](const ContainerReport& c) {
          return c.role == ContainerRole::kInitContainer ||
                 c.reason == ToString(Reason::kInfrastructure);
        });
    if (r.reasons.empty() ||
        (all_infra && r.reasons == std::vector<std::string>{Code(Reason::kInvalidOverride)})) {
      AddReason(r.reasons, all_infra ? Reason::kNoAppContainer : Reason::kLanguageUnknown);
    }
    Reconcile(w.annotations, owned, desired, d);
    return finish(ObjectStatus::kSkipped);
  }

  const std::string prefix(kOperatorPrefix);
  auto put = [&](const std::string& suffix, std::string value) {
    desired.emplace_back(prefix + suffix, std::move(value));
  };
  auto names = [&](const std::vector<std::size_t>& indices) {
    std::vector<std::string> out;
    for (std::size_t i : indices) out.push_back(r.containers[i].name);
    return fmt::to_string(fmt::join(out, ","));
  };
  for (const auto& [lang, indices] : groups) put(InjectKey(lang), options.instrumentation);
  if (groups.size() == 1) {
    put("container-names", names(groups[0].second));
  } else {
    for (const auto& [lang, indices] : groups)
      put(std::string(FindProfile(lang)->container_names_key), names(indices));
  }
  for (const auto& [lang, indices] : groups) {
    auto all_musl = [&, &idx = indices] {
      return std::all_of(idx.begin(), idx.end(), [&](std::size_t i) { return musl[i]; });
    };
    if (lang == Language::kGo) {
      put("otel-go-auto-target-exe", go_exe);
      warn(Reason::kGoPrivileged, std::string(Info(Reason::kGoPrivileged).message));
    } else if (const auto& musl_key = FindProfile(lang)->musl; musl_key && all_musl()) {
      put(std::string(musl_key->key), std::string(musl_key->value));
    }
  }
  // What stood there before TraceAssist filled the maps stays recorded.
  const auto* marker = FindAnnotation(w.annotations, kManagedKey);
  desired.emplace_back(kManagedKey, MakeMarker(desired, marker ? ManagedOriginal(*marker) : ""));

  Reconcile(w.annotations, owned, desired, d);
  if (d.set.size() == 1 && d.set[0].first == kManagedKey && d.remove.empty() && marker != nullptr &&
      OldFormOf(*marker, desired.back().second)) {
    d.set.clear();
  }
  // Never write what the API server would refuse: the whole object would be rejected.
  if (const std::size_t bytes = AnnotationBytesAfter(w.annotations, d);
      !d.set.empty() && bytes > kMaxAnnotationBytes) {
    d.set.clear();
    d.remove.clear();
    std::erase_if(d.warnings,
                  [](const Warning& x) { return x.code == Code(Reason::kGoPrivileged); });
    for (auto& c : r.containers) {
      if (!c.instrumented) continue;
      c.instrumented = false;
      c.reason = Code(Reason::kAnnotationsTooLarge);
    }
    AddReason(r.reasons, Reason::kAnnotationsTooLarge);
    warn(Reason::kAnnotationsTooLarge,
         FormatReason(Info(Reason::kAnnotationsTooLarge).message,
                      {.lang = {}, .confidence = {}, .key = {}, .detail = std::to_string(bytes)}));
    return finish(ObjectStatus::kSkipped);
  }
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
  return Status::InvalidInput(
      fmt::format("invalid Instrumentation reference `{}`: use \"true\", a resource name, or "
                  "namespace/name (lower-case DNS names)",
                  ref));
}

}  // namespace traceassist::instrument
