// POST /workflow/instrument without the HTTP around it: a JSON request body in, the status and JSON
// answer out, plus what the logs, metrics and analytics need.
//
// The contract kept for existing clients: {"manifest_content", "deployment_name"?, "client_repo"?}
// in; a 200 answer with "modified_manifest_content" (string) and "changes_made" (bool). The answer
// also carries the report ("objects", "warnings"; compact for manifests over 1 MiB) and, with
// options.diff, a unified "diff". Errors are {"code", "message"} with a stable code, and never
// contain the manifest.
//
// Thread-safety: HandleInstrumentRequest has no shared state apart from the semaphore it is given.
#pragma once

#include <cstddef>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "report_summary.h"
#include "traceassist/instrument/options.h"
#include "traceassist/instrument/rewrite.h"

namespace traceassist::webhook {

using RewriteSlots = std::counting_semaphore<4096>;

// Manifests up to this size are rewritten without taking a slot: a slot holder descheduled on a
// busy machine would otherwise stall every small request behind it (p99 doubled in the load test).
inline constexpr std::size_t kUnslottedManifestBytes = 32 * 1024;

struct InstrumentApiResult {
  int status = 200;
  std::vector<std::string>
      body;          // the JSON answer in consecutive segments (see instrument_answer.h)
  std::string code;  // stable error code; empty on 200
  // For logs, metrics and analytics.
  bool changes_made = false;
  ReportSummary summary;  // empty unless the rewrite ran
  std::string deployment_name;
  std::string client_repo;
};

// The JSON error body {"code": code, "message": message}.
std::string ErrorBody(std::string_view code, std::string_view message);

// The answer to a rewrite that failed, chosen by the status code: 500 internal_error for an
// internal failure, else 400 invalid_yaml with the document, line and column.
InstrumentApiResult RewriteFailure(const instrument::Status& status);

// Handles one request body. `defaults` is the server's policy (requests may override language,
// container_languages, instrumentation, enable_go and enable_nginx); `slots` caps concurrent
// rewrites of manifests over kUnslottedManifestBytes. `body` is released once parsed. Never throws
// for bad input (400 with a code); 500 only for an internal failure. `image_facts` answers for
// requests with options.inspect_images when the server inspects images (empty otherwise: the option
// is then ignored).
InstrumentApiResult HandleInstrumentRequest(std::string body, const instrument::Options& defaults,
                                            const instrument::TextLimits& limits,
                                            RewriteSlots& slots,
                                            const instrument::ImageFactsLookup& image_facts = {});

}  // namespace traceassist::webhook
