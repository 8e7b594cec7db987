// The W3C Trace Context `traceparent` header
// (https://www.w3.org/TR/trace-context/#traceparent-header) that a traced API server sends to
// webhooks: parsed strictly, so that the request log can carry the caller's trace and span ids and
// the answer's X-Request-Id can be the trace id.
//
// Thread-safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace traceassist::webhook {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits, not all zero
  std::string span_id;   // 16 lowercase hex digits, not all zero: the caller's span (parent-id)
  bool sampled = false;  // trace-flags bit 0
};

// Parses `version-traceid-parentid-flags`. Returns nullopt for anything the specification says
// to ignore: a wrong length or separator, hex that is not lowercase, version ff, an all-zero trace
// or parent id, version 00 with trailing data. A later version's extra fields (after a '-') are
// accepted and ignored, as the specification asks.
std::optional<TraceContext> ParseTraceparent(std::string_view header);

}  // namespace traceassist::webhook
