// The reason codes: why an object or a container was not instrumented, and what TraceAssist warns
// about. This is the one table of them: the CLI report, the HTTP API answer, webhook warnings,
// metric labels and analytics all take the code, its sentences and whether it warns from here.
//
// Codes are stable: never renamed, never reused. Pure values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace traceassist::instrument {

enum class Reason : std::uint8_t {
  // Object level (ObjectReport::reasons); most may also appear on a container.
  kAlreadyConfigured,  // the template has instrumentation.opentelemetry.io/* keys we did not write
  kAlreadyInstrumented,   // the Operator's own injection markers are present
  kOptedOut,              // traceassist.io/instrument: "false"
  kNoAppContainer,        // every container is recognised infrastructure or a sidecar
  kLanguageUnknown,       // nothing points to a language for a container
  kLowConfidence,         // a language was detected below the minimum confidence
  kLanguageUnsupported,   // the language has no Operator auto-instrumentation
  kGoDisabled,            // Go is off in this run (--enable-go)
  kNginxDisabled,         // nginx is off in this run (--enable-nginx)
  kGoExeUnknown,          // Go target executable not known (no absolute command[0], no override)
  kGoMultipleContainers,  // more than one container, and one is Go
  kGoShareProcessNamespaceFalse,  // the pod sets shareProcessNamespace: false
  kEnvValueFrom,  // JAVA_TOOL_OPTIONS / NODE_OPTIONS / PYTHONPATH / DOTNET_* come from valueFrom
  kDotnetAutoHomeSet,        // a .NET container already sets OTEL_DOTNET_AUTO_HOME
  kMultiInstrumentationOff,  // only the dominant language was instrumented
  kInvalidOverride,          // a traceassist.io/* annotation on the template has a bad value
  kNoPodTemplate,            // the workload has no pod template (or it is not a mapping)
  kYamlAnchor,               // the annotations to edit are shared through a YAML anchor or alias
  kUnsupportedLayout,        // the YAML around the annotations cannot be edited in place safely
  kUnsupportedKind,          // a workload kind's name in another API group (a custom resource)
  kOwnedByController,    // a controller owns the object: instrument the owner instead (issue 11)
  kAnnotationsTooLarge,  // the change would take the template's annotations over 256 KiB
  // Container level only (ContainerReport::reason).
  kInfrastructure,            // recognised infrastructure image or sidecar (language "none")
  kInitContainersOff,         // an init container, and --init-containers is off
  kInitContainerUnsupported,  // the Operator cannot inject this language into init containers
  kInvalidContainerName,      // the name cannot be listed in a container-names annotation
  // Warning only (Warning::code).
  kGoPrivileged,  // Go injection adds a privileged sidecar (Pod Security rejects it)
};

// When a reason becomes a warning.
enum class Warns : std::uint8_t {
  kNever,            // the user chose it, or nothing an application team could change
  kWhenNothingElse,  // a container's reason: only when no container of the pod is instrumented
  kAlways,           // whenever it applies, even when other containers are instrumented
};

struct ReasonInfo {
  Reason reason;
  std::string_view code;  // "language_unknown": reports, API answers, analytics and metric labels
  Warns warns;
  // The report's warning text (CLI and API), see ReasonArgs; empty when the reason is never a
  // warning of its own. Container reasons are prefixed "container <name>: ".
  std::string_view message;
  // The webhook's shorter warning text after "traceassist: deployment/cart container app: ";
  // {lang} is the container's language.
  std::string_view admission_text;
};

// Every reason, in enum order. Its codes are the whole, bounded set of `reason` metric labels.
std::span<const ReasonInfo> Reasons();
const ReasonInfo& Info(Reason reason);
// What a reason's sentences may name: {lang}, {confidence}, {key} (an annotation key), {detail}
// (a failure's detail, or the owning controller).
struct ReasonArgs {
  std::string_view lang;
  std::string_view confidence;
  std::string_view key;
  std::string_view detail;
};
// `text` (a ReasonInfo sentence) with its {names} filled in.
std::string FormatReason(std::string_view text, const ReasonArgs& args);

// The stable code ("language_unknown").
std::string_view ToString(Reason reason);
// The reason with that code, or nullopt.
std::optional<Reason> ParseReason(std::string_view code);
// A label value for metrics: the code when it is one of Reasons(), "" for none, else "other" (so a
// label never takes an unbounded value).
std::string_view ReasonLabel(std::string_view code);

}  // namespace traceassist::instrument
