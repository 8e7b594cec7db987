#include "request_recorder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "instrument_api.h"
#include "trace_context.h"
#include "traceassist/common/json_log.h"

namespace traceassist::webhook {
namespace {

using common::LogEvent;
using common::LogLevel;
using nlohmann::json;

thread_local RequestState tls_request;

bool IsRequestIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

std::string NewRequestId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return fmt::format("{:016x}", random());
}

// The trace id of a single valid W3C traceparent (a traced API server sends one), else the
// client's X-Request-Id when it is short and plain, else a new id. Two traceparent headers are
// ambiguous: both are ignored.
void IdentifyRequest(const httplib::Request& req, RequestState& state) {
  if (req.headers.count("traceparent") == 1) {
    if (auto trace = ParseTraceparent(req.headers.find("traceparent")->second)) {
      state.request_id = trace->trace_id;
      state.trace_id = std::move(trace->trace_id);
      state.span_id = std::move(trace->span_id);
      return;
    }
  }
  const auto it = req.headers.find("X-Request-Id");
  if (it != req.headers.end() && !it->second.empty() && it->second.size() <= 64 &&
      std::all_of(it->second.begin(), it->second.end(), IsRequestIdChar)) {
    state.request_id = it->second;
  } else {
    state.request_id = NewRequestId();
  }
}

// The request's ids for a log line: the request id, and the caller's trace and span when known.
json RequestIds(const RequestState& state) {
  json ids = {{"request_id", state.request_id}};
  if (!state.trace_id.empty()) {
    ids["trace_id"] = state.trace_id;
    ids["span_id"] = state.span_id;
  }
  return ids;
}

std::string UsageOutcome(int status) {
  switch (status) {
    case 200:
      return "ok";
    case 400:
      return "input_error";
    case 401:
      return "unauthorized";
    case 413:
      return "too_large";
    case 415:
      return "unsupported_media_type";
    case 429:
      return "rate_limited";
    case 503:
      return "overloaded";
    default:
      return status >= 500 ? "internal_error" : "input_error";
  }
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

RequestRecorder::RequestRecorder(ServerMetrics& metrics, analytics::UsageSink* sink)
    : metrics_(metrics), sink_(sink) {}

RequestState& RequestRecorder::Current() { return tls_request; }

RequestState& RequestRecorder::Begin(const httplib::Request& req) {
  AbandonUnfinished();
  RequestState& state = tls_request;
  state = RequestState{};
  state.active = true;
  state.start = Clock::now();
  IdentifyRequest(req, state);
  state.route = RouteOf(req.path);
  metrics_.RequestStarted();
  if (req.method == "POST" &&
      (state.route == Route::kInstrument || state.route == Route::kMutate)) {
    state.record_usage = sink_ != nullptr;
    state.usage.source = state.route == Route::kMutate ? "webhook" : "api";
    state.usage.manifest_bytes = req.get_header_value<std::uint64_t>("Content-Length");
  }
  return state;
}

void RequestRecorder::SetError(httplib::Response& res, int status, std::string_view code,
                               std::string_view message) {
  res.status = status;
  res.set_content(ErrorBody(code, message), kJsonContentType);
  tls_request.code = std::string(code);
}

void RequestRecorder::Handled(HandlerResult result) {
  RequestState& state = tls_request;
  if (!result.code.empty()) state.code = std::move(result.code);
  state.usage.deployment_name = std::move(result.deployment_name);
  state.usage.client_repo = std::move(result.client_repo);
  state.admission_uid = std::move(result.admission_uid);
  state.admission_outcome = std::move(result.admission_outcome);
  state.record_usage = state.record_usage && !result.dry_run;
  if (result.input_error) state.usage.outcome = "input_error";
  if (result.summary == nullptr) return;
  const ReportSummary& summary = *result.summary;
  state.objects = summary.objects;
  state.changes_made = result.changes_made ? 1 : 0;
  state.usage.objects_seen = state.objects;
  state.usage.changes_made = result.changes_made;
  state.usage.objects_instrumented = summary.instrumented;
  state.usage.languages.assign(summary.languages.begin(), summary.languages.end());
}

void RequestRecorder::AbandonUnfinished() {
  RequestState& state = tls_request;
  if (!state.active) return;
  state.active = false;
  const double seconds = SecondsSince(state.start);
  metrics_.RequestFinished(state.route, 499, seconds);
  json fields = RequestIds(state);
  fields.update({{"route", RouteLabel(state.route)},
                 {"status", 499},
                 {"latency_ms", std::round(seconds * 1e6) / 1e3},
                 {"note", "the connection closed before the response was written"}});
  LogEvent(LogLevel::kInfo, "request", fields);
  if (state.record_usage && sink_ != nullptr) {
    state.usage.outcome = "client_closed";
    RecordUsage(state);
  }
}

void RequestRecorder::RecordUsage(RequestState& state) {
  analytics::UsageEvent& event = state.usage;
  event.time = std::chrono::system_clock::now();
  event.processing_time =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - state.start);
  if (state.body_bytes > 0) event.manifest_bytes = state.body_bytes;
  sink_->Record(event);
}

void RequestRecorder::Finish(const httplib::Request& req, const httplib::Response& res) {
  RequestState& state = tls_request;
  if (!state.active) {  // httplib answered before routing (malformed request)
    state = RequestState{};
    state.start = Clock::now();
    state.request_id = NewRequestId();
    metrics_.RequestStarted();
  }
  const double seconds = SecondsSince(state.start);
  metrics_.RequestFinished(state.route, res.status, seconds);
  static const std::set<std::string_view> kMethods = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  // The method of a request httplib could not parse may be any bytes: log known ones only.
  json fields = RequestIds(state);
  fields.update({{"method", kMethods.count(req.method) ? req.method : std::string("invalid")},
                 {"route", RouteLabel(state.route)},
                 {"status", res.status},
                 {"latency_ms", std::round(seconds * 1e6) / 1e3},
                 {"remote", req.remote_addr}});
  if (!state.code.empty()) fields["code"] = state.code;
  if (state.objects >= 0) fields["objects"] = state.objects;
  if (state.changes_made >= 0) fields["changes_made"] = state.changes_made == 1;
  if (state.body_bytes > 0) fields["body_bytes"] = state.body_bytes;
  if (!state.admission_uid.empty()) fields["uid"] = state.admission_uid;
  if (!state.admission_outcome.empty()) fields["admission"] = state.admission_outcome;
  if (req.ssl != nullptr) fields["tls"] = true;
  LogEvent(res.status >= 500 ? LogLevel::kWarn : LogLevel::kInfo, "request", fields);
  state.active = false;
  if (state.record_usage && sink_ != nullptr) {
    if (state.usage.outcome.empty()) state.usage.outcome = UsageOutcome(res.status);
    RecordUsage(state);
  }
}

}  // namespace traceassist::webhook
