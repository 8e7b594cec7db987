// What a run decided, per object and per container, with stable reason codes. The same structure
// feeds the CLI report, the HTTP API answer, webhook warnings, metrics labels and analytics.
//
// Reason codes (stable; never renamed):
//   owned_by_controller       metadata.ownerReferences names a controller (instrument the owner)
//   already_configured        the pod template carries instrumentation.opentelemetry.io/* keys
//   TraceAssist did not write already_instrumented      the Operator's own injection markers are
//   present (containers it injected) opted_out                 traceassist.io/instrument: "false"
//   no_app_container          every container is recognised infrastructure or a sidecar
//   language_unknown          nothing points to a language for a container
//   low_confidence            a language was detected below the minimum confidence
//   language_unsupported      the language has no Operator auto-instrumentation (ruby, php, rust,
//   cpp) go_disabled / nginx_disabled   the language is off in this run (--enable-go /
//   --enable-nginx) go_exe_unknown            Go target executable not known (no absolute
//   command[0], no override) go_multiple_containers    more than one container is Go, or Go in a
//   pod with several containers go_share_process_namespace_false   the pod sets
//   shareProcessNamespace: false env_value_from            JAVA_TOOL_OPTIONS / NODE_OPTIONS /
//   PYTHONPATH / DOTNET_* come from valueFrom dotnet_auto_home_set      a .NET container already
//   sets OTEL_DOTNET_AUTO_HOME multi_instrumentation_off only the dominant language was
//   instrumented (--no-multi-instrumentation) invalid_override          a traceassist.io/*
//   annotation on the template has a bad value no_pod_template           the workload has no pod
//   template (or it is not a mapping) yaml_anchor               the annotations to edit are shared
//   through a YAML anchor or alias unsupported_layout        the YAML layout around the annotations
//   cannot be edited in place safely unsupported_kind          a workload kind's name in another
//   API group (a custom resource)
// Container-level only (ContainerReport::reason):
//   infrastructure            recognised infrastructure image or sidecar (language "none")
//   init_containers_off       an init container, and --init-containers is off
//   init_container_unsupported  the Operator cannot inject this language into init containers
//   invalid_container_name    the name cannot be listed in a container-names annotation
// Warning-only code:
//   go_privileged             Go injection adds a privileged sidecar (Pod Security rejects it)
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/language.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

enum class ObjectStatus {
  kInstrumented,    // annotations were added or corrected
  kUnchanged,       // already as TraceAssist would write them
  kSkipped,         // not instrumented; see reasons
  kUninstrumented,  // TraceAssist's own annotations were removed
};
std::string_view ToString(ObjectStatus status);

struct ContainerReport {
  std::string name;
  ContainerRole role = ContainerRole::kContainer;
  std::string image;
  Language language = Language::kUnknown;
  Confidence confidence = Confidence::kNone;
  std::vector<std::string>
      evidence;  // e.g. "image eclipse-temurin:21-jre", "env JAVA_TOOL_OPTIONS"
  bool instrumented = false;
  std::string reason;  // a reason code when this container is not instrumented, else empty
  int line = 0;        // 1-based line of the container's name in the input text; 0 when not text
};

struct Warning {
  int document = 0;    // 1-based document number in the input stream; 0 when not from text
  std::string object;  // "deployment/cart"; empty for stream-level warnings
  std::string code;    // a reason code
  std::string message;
  int line = 0;  // 1-based input line of the object or container it is about; 0 when unknown
};

struct ObjectReport {
  int document = 0;  // 1-based; items of a kind: List share their list's document number
  int line = 0;      // 1-based input line of metadata.name (else the object's first line); 0: JSON
  std::string kind;
  std::string name;
  std::string namespace_;
  ObjectStatus status = ObjectStatus::kSkipped;
  std::vector<std::string> reasons;  // reason codes, most important first
  Annotations annotations_added;     // keys added or given a new value, with the value
  std::vector<std::string> annotations_removed;
  std::vector<ContainerReport> containers;

  // "deployment/cart"
  std::string Ref() const;
};

struct Report {
  bool changes_made = false;
  std::vector<ObjectReport> objects;
  std::vector<Warning> warnings;

  void Append(Report other);
};

// The stable JSON form: {"changes_made", "objects": [...], "warnings": [...]}.
nlohmann::json ToJson(const Report& report);
nlohmann::json ToJson(const ContainerReport& container);
// The detect form: {"objects": [{kind, name, namespace, document, containers}]}.
nlohmann::json ToDetectJson(const Report& report);

// Human text, one line per object then one per warning. `source` prefixes the warnings
// ("app.yaml"). With `dry_run` (nothing was written: --check) the changes read "would instrument",
// "would uninstrument".
std::string ToText(const Report& report, std::string_view source = {}, bool dry_run = false);
std::string ToDetectText(const Report& report);

}  // namespace traceassist::instrument
