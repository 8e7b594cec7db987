// How one inspection ended: the label of the metrics, the reason in warnings and reports.
#pragma once

#include <string_view>

namespace traceassist::registry {

enum class Outcome {
  kCacheHit,  // answered from the cache, nothing fetched
  kFetched,   // fetched from a registry (or mirror) and verified
  kTimeout,   // a request, the inspection or the caller's budget ran out
  kDenied,    // refused by policy: allowlist, IP literal, private address, plain HTTP, redirect
  kError,     // registry said no (401/404/5xx), bad JSON, digest mismatch, too large, ...
  kInvalidReference,  // not a valid reference (placeholders such as PROJECT_ID, ${VAR}): never
                      // fetched
};

// "cache_hit", "fetched", "timeout", "denied", "error", "invalid_reference".
std::string_view OutcomeName(Outcome outcome);

}  // namespace traceassist::registry
