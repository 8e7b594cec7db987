#include "traceassist/instrument/reason.h"

#include <fmt/format.h>

#include <array>

namespace traceassist::instrument {
namespace {

using enum Reason;
constexpr Warns kNever = Warns::kNever;
constexpr Warns kWhenNothingElse = Warns::kWhenNothingElse;
constexpr Warns kAlways = Warns::kAlways;

// clang-format off
constexpr ReasonInfo kReasons[] = {
    {kAlreadyConfigured, "already_configured", kNever, "", ""},
    {kAlreadyInstrumented, "already_instrumented", kNever, "", ""},
    {kOptedOut, "opted_out", kNever, "", ""},
    {kNoAppContainer, "no_app_container", kNever, "", ""},
    {kLanguageUnknown, "language_unknown", kWhenNothingElse,
     "language unknown; set {key}",
     "language unknown; set traceassist.io/language"},
    {kLowConfidence, "low_confidence", kWhenNothingElse,
     "{lang} detected with {confidence} confidence only; set {key} to confirm",
     "{lang} detection uncertain; set traceassist.io/language"},
    {kLanguageUnsupported, "language_unsupported", kAlways,
     "{lang} has no OpenTelemetry Operator auto-instrumentation",
     "{lang} has no Operator auto-instrumentation"},
    {kGoDisabled, "go_disabled", kAlways,
     "Go detected; Go injection is off (--enable-go)",
     "Go instrumentation is off (TRACEASSIST_ENABLE_GO)"},
    {kNginxDisabled, "nginx_disabled", kAlways,
     "nginx detected; nginx injection is off (--enable-nginx)",
     "nginx instrumentation is off (TRACEASSIST_ENABLE_NGINX)"},
    {kGoExeUnknown, "go_exe_unknown", kAlways,
     "Go executable path unknown; set {key} or an absolute command",
     "Go executable unknown; set traceassist.io/go-target-exe"},
    {kGoMultipleContainers, "go_multiple_containers", kAlways,
     "Go injection supports only single-container pods",
     "Go can be injected into one container only"},
    {kGoShareProcessNamespaceFalse, "go_share_process_namespace_false", kAlways,
     "Go injection needs shareProcessNamespace, which the pod disables",
     "Go needs shareProcessNamespace, set to false"},
    {kEnvValueFrom, "env_value_from", kAlways,
     "the Operator skips {lang} containers whose agent variable uses valueFrom",
     "agent variable set through valueFrom; the Operator skips it"},
    {kDotnetAutoHomeSet, "dotnet_auto_home_set", kAlways,
     "OTEL_DOTNET_AUTO_HOME is already set; the Operator skips it",
     "OTEL_DOTNET_AUTO_HOME already set"},
    {kMultiInstrumentationOff, "multi_instrumentation_off", kAlways,
     "{lang} not instrumented (multi-instrumentation off)",
     "not instrumented: one language per pod"},
    {kInvalidOverride, "invalid_override", kAlways,
     "annotation {key} has an invalid value; ignored",
     "invalid traceassist.io/* annotation"},
    {kNoPodTemplate, "no_pod_template", kAlways,
     "no pod template (spec.template) to annotate",
     "no usable pod template"},
    {kYamlAnchor, "yaml_anchor", kAlways,
     "cannot edit the annotations in place: {detail}", "yaml anchor"},
    {kUnsupportedLayout, "unsupported_layout", kAlways,
     "cannot edit the annotations in place: {detail}", "unsupported layout"},
    {kUnsupportedKind, "unsupported_kind", kNever, "", ""},
    {kOwnedByController, "owned_by_controller", kNever,
     "owned by controller {detail}; instrument the owner instead", ""},
    {kAnnotationsTooLarge, "annotations_too_large", kAlways,
     "instrumenting would take the pod template's annotations to {detail} bytes, over the 262144 "
     "Kubernetes accepts; not instrumented",
     "annotations would exceed 256 KiB"},
    {kInfrastructure, "infrastructure", kNever, "", ""},
    {kInitContainersOff, "init_containers_off", kWhenNothingElse, "", "init containers off"},
    {kInitContainerUnsupported, "init_container_unsupported", kWhenNothingElse,
     "the Operator cannot inject {lang} into init containers", "init container unsupported"},
    {kInvalidContainerName, "invalid_container_name", kAlways,
     "name cannot be listed in container-names",
     "invalid container name"},
    {kGoPrivileged, "go_privileged", kAlways,
     "Go injection adds a privileged eBPF sidecar; Pod Security baseline/restricted rejects it",
     "go privileged"},
};
// clang-format on

constexpr bool InEnumOrder() {
  for (std::size_t i = 0; i < std::size(kReasons); ++i) {
    if (static_cast<std::size_t>(kReasons[i].reason) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kReasons lists every Reason once, in enum order");
static_assert(std::size(kReasons) == static_cast<std::size_t>(kGoPrivileged) + 1,
              "every Reason has a row");

}  // namespace

std::span<const ReasonInfo> Reasons() { return kReasons; }

const ReasonInfo& Info(Reason reason) { return kReasons[static_cast<std::size_t>(reason)]; }

std::string_view ToString(Reason reason) { return Info(reason).code; }

std::optional<Reason> ParseReason(std::string_view code) {
  for (const ReasonInfo& info : kReasons) {
    if (info.code == code) return info.reason;
  }
  return std::nullopt;
}

std::string FormatReason(std::string_view text, const ReasonArgs& args) {
  return fmt::format(fmt::runtime(text), fmt::arg("lang", args.lang),
                     fmt::arg("confidence", args.confidence), fmt::arg("key", args.key),
                     fmt::arg("detail", args.detail));
}

std::string_view ReasonLabel(std::string_view code) {
  if (code.empty()) return "";
  const auto reason = ParseReason(code);
  return reason ? ToString(*reason) : "other";
}

}  // namespace traceassist::instrument
