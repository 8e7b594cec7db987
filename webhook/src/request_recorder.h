// One place that turns a request into its log line, its request metrics and its usage event.
//
// cpp-httplib runs the pre-routing handler, the route handler and the logger of one request on one
// thread and offers no per-request slot, so the request being served lives in a thread_local that
// only this class touches: Begin (pre-routing) opens it, handlers hand their result to Handled,
// and Finish (httplib's logger, after the response is written) or AbandonUnfinished (the
// connection closed before that) closes it, exactly once.
//
// Thread-safety: every method may be called from any connection thread; each touches only the
// calling thread's request, the thread-safe metrics and the thread-safe sink.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <string_view>

#include "report_summary.h"
#include "server_metrics.h"
#include "traceassist/analytics/usage_sink.h"

namespace traceassist::webhook {

using Clock = std::chrono::steady_clock;

inline constexpr const char* kJsonContentType = "application/json";

// What a body route's handler decided, for the log line and the usage event.
struct HandlerResult {
  std::string code;                        // stable error code of the answer, if any
  const ReportSummary* summary = nullptr;  // what the rewrite or admission decided, if it ran
  bool changes_made = false;
  bool input_error = false;  // the body was refused (usage outcome input_error whatever the status)
  bool dry_run = false;      // an admission dry run: no usage event (sideEffects NoneOnDryRun)
  std::string deployment_name;  // API request fields, for analytics only
  std::string client_repo;
  std::string admission_uid;  // admission details for the log line
  std::string admission_outcome;
};

// The request this thread is serving.
struct RequestState {
  bool active = false;
  Clock::time_point start;
  std::string request_id;  // the trace id when the request carried a valid traceparent
  std::string trace_id;    // from a valid W3C traceparent, else empty
  std::string span_id;     // the caller's span (traceparent's parent-id), else empty
  Route route = Route::kOther;
  std::string code;  // stable error code of the answer, if any
  int objects = -1;
  int changes_made = -1;
  std::size_t body_bytes = 0;
  // POST /workflow/instrument and /mutate (not a dry run) yield exactly one usage event, recorded
  // when the request is closed whatever path answered it.
  bool record_usage = false;
  analytics::UsageEvent usage;
  // A refusal decided from the headers (401, 415, 429), answered once the body has been read and
  // discarded: httplib keeps the connection open, and an unread body would be parsed as the next
  // request.
  int refuse_status = 0;
  std::string refuse_code;
  std::string refuse_message;
  httplib::Headers refuse_headers;
  std::string admission_uid;
  std::string admission_outcome;
};

class RequestRecorder {
 public:
  // `sink` may be null (analytics off); both must outlive the recorder.
  RequestRecorder(ServerMetrics& metrics, analytics::UsageSink* sink);

  // Opens the request whose headers were just read (closing an abandoned one first).
  RequestState& Begin(const httplib::Request& req);
  // The request this thread is serving.
  static RequestState& Current();
  // An error answer {"code","message"}; the code goes to the log line.
  static void SetError(httplib::Response& res, int status, std::string_view code,
                       std::string_view message);
  // A body route's result.
  void Handled(HandlerResult result);
  // After the response was written: metrics, the log line, the usage event.
  void Finish(const httplib::Request& req, const httplib::Response& res);
  // A request whose response could not be written (the client went away) never reaches Finish:
  // it is closed when its connection ends, as status 499 (nginx's "client closed request"), so
  // that the in-flight gauge stays right and analytics still gets its one event.
  void AbandonUnfinished();

 private:
  void RecordUsage(RequestState& state);

  ServerMetrics& metrics_;
  analytics::UsageSink* const sink_;
};

}  // namespace traceassist::webhook
