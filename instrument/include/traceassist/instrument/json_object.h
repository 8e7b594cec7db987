// The policy on a Kubernetes object given as JSON (the admission webhook's input), with the result
// as an RFC 6902 JSON Patch that applies to exactly that object.
#pragma once

#include <nlohmann/json.hpp>

#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

// Builds the neutral view of a workload object. Returns a view with has_template == false when the
// object has no usable pod template. The kind is taken from `object["kind"]`.
WorkloadView ViewFromJson(const nlohmann::json& object);

// The JSON Patch that applies `decision` to `object`: adds missing parent maps (metadata,
// annotations) first, escapes keys (~ as ~0, / as ~1). Empty array when the decision changes
// nothing.
nlohmann::json MakeJsonPatch(const nlohmann::json& object, const Decision& decision);

}  // namespace traceassist::instrument
