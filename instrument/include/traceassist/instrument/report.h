// What a run decided, per object and per container, with stable reason codes. The same structure
// feeds the CLI report, the HTTP API answer, webhook warnings, metrics labels and analytics.
//
// The reason codes, their sentences and whether each warns are listed once, in reason.h.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/language.h"
#include "traceassist/instrument/reason.h"
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
  std::string
      reason;    // a reason code (reason.h) when this container is not instrumented, else empty
  int line = 0;  // 1-based line of the container's name in the input text; 0 when not text
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
