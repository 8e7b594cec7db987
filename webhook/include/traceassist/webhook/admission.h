// The mutating admission webhook's decision: an AdmissionReview request body in, the response body
// and what it did out. A pure function on top of the instrument library (the same policy as the
// CLI), with no sockets, logging or metrics: the HTTPS server calls it for POST /mutate and records
// the outcome.
//
// The contract it keeps (admission-webhook-reference.md §1): the answer is in the request's version
// (admission.k8s.io/v1 or v1beta1) and echoes apiVersion, kind and request.uid; it is always
// allowed: true; patchType and patch come together, only when something changes; the patch applies
// to exactly the object sent. An internal failure fails open (allowed, no patch, a warning).
//
// Thread-safe: HandleAdmission has no shared state; one AdmissionPolicy may serve all threads.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/options.h"
#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/report.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::webhook {

struct AdmissionPolicy {
  // The policy for every namespace (Instrumentation reference, rules file, Go/nginx/init switches).
  instrument::Options options;

  // Instrumentation reference per namespace ("true", "name" or "ns/name"), overriding
  // options.instrumentation for objects in that namespace. Default: empty.
  std::map<std::string, std::string, std::less<>> namespace_instrumentation;

  // Warn-only mode (TRACEASSIST_WEBHOOK_MODE=audit): the warnings say what would have been added
  // and no patch is returned. Default: false (enforce).
  bool audit = false;

  // The policy function. Default: instrument::Decide. Replaceable so that tests can exercise the
  // fail-open path with a decision that throws.
  std::function<instrument::Decision(const instrument::WorkloadView&, const instrument::Options&)>
      decide = instrument::Decide;

  // Image inspection (TRACEASSIST_INSPECT_IMAGES): given the object's container images, returns the
  // detector's lookup within the review's budget and appends warnings for images left out. Default:
  // none (manifest-only detection).
  std::function<instrument::ImageFactsLookup(const std::vector<std::string>& images,
                                             std::vector<std::string>& warnings)>
      inspect_images;
};

struct AdmissionOutcome {
  // 200, or 400 when the body is not an AdmissionReview we can answer (not JSON, unknown
  // apiVersion/kind, no request, no uid). Never 500: internal failures fail open with 200.
  int http_status = 200;
  // The AdmissionReview response (application/json); for 400, a short plain-text reason.
  std::string body;

  // Metrics labels, from small fixed sets:
  std::string kind = "other";       // a workload kind ("Deployment", "Pod", ...) or "other"
  std::string operation = "other";  // CREATE | UPDATE | DELETE | CONNECT | other
  // patched: a patch was returned. unchanged: the object already carries what the policy wants.
  // skipped: not instrumented (policy skip, operation or kind not handled, or audit mode).
  // error: undecodable request (http_status 400) or an internal failure that failed open.
  std::string outcome = "error";
  // When the policy skipped the object: its first reason code (report.h, e.g. owned_by_controller).
  // Empty otherwise, and for skips the policy did not decide (operation, kind, audit mode).
  std::string reason;

  // request.dryRun: the caller must not record analytics or have other side effects.
  bool dry_run = false;
  std::string uid;    // request.uid, for log lines; empty when undecodable
  std::string error;  // what went wrong when outcome is "error" (never contains object content)

  // What the policy decided for the object (empty when no workload was decided), for analytics.
  instrument::Report report;
};

// Answers one AdmissionReview request body. Never throws.
AdmissionOutcome HandleAdmission(std::string_view body, const AdmissionPolicy& policy);

// The kubectl warnings for one decision: short lines (at most kMaxWarningLength bytes) for
// containers or objects that were not instrumented for a reason the user can act on; none for
// recognised infrastructure, sidecars, opt-outs or workloads configured by hand.
inline constexpr std::size_t kMaxWarningLength = 120;
std::vector<std::string> AdmissionWarnings(const instrument::Decision& decision);

}  // namespace traceassist::webhook
