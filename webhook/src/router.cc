#include "router.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connection_guard.h"
#include "http_messages.h"
#include "traceassist/common/json_log.h"

namespace traceassist::webhook {

using common::LogEvent;
using common::LogLevel;
using nlohmann::json;

Router::Router(const ServerConfig& config, analytics::UsageSink* sink, ServerMetrics& metrics,
               RequestRecorder& recorder, const ConnectionPool& pool, const ServingState& serving)
    : config_(config),
      sink_(sink),
      metrics_(metrics),
      recorder_(recorder),
      pool_(pool),
      serving_(serving),
      tokens_(config.api_tokens),
      limiter_(config.rate_limit_rps),
      slots_(config.threads) {
  limits_.max_bytes = config.max_body_bytes;
  admission_policy_.options = config.policy;
  admission_policy_.namespace_instrumentation = config.namespace_instrumentation;
  admission_policy_.audit = config.webhook_audit;
  admission_policy_.options.instrument_owned = config.webhook_pods;
  if (config.inspect_images) {
    inspection_ = std::make_unique<ImageInspection>(
        config.registry, static_cast<std::size_t>(config.inspect_cache_entries));
    admission_policy_.inspect_images = [this](const std::vector<std::string>& images,
                                              std::vector<std::string>& warnings) {
      const auto budget = std::chrono::milliseconds(config_.inspect_budget_ms);
      return inspection_->Prepare(images, std::chrono::steady_clock::now() + budget, warnings);
    };
  }
}

void Router::Install(httplib::Server& server) {
  server.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return Dispatch(req, res); });
  // Only the two body routes reach httplib's router, by exact paths (no regex alternation:
  // library-facts §2.8). Bodies are read through a counting reader: chunked ones too (§2.5).
  server.Post("/workflow/instrument",
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) { Instrument(req, res, reader); });
  server.Post("/mutate",
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) { Mutate(req, res, reader); });
  // Never let exception text reach a client (httplib would put it in a header: §2.8).
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        LogEvent(LogLevel::kError, "handler exception",
                 {{"request_id", RequestRecorder::Current().request_id}, {"error", what}});
        res.headers.erase("EXCEPTION_WHAT");
        CloseConnection(req);  // its body may be unread
        RequestRecorder::SetError(res, 500, "internal_error", "internal error; see the server log");
        res.set_content(json{{"code", "internal_error"},
                             {"message", "internal error; see the server log"},
                             {"request_id", RequestRecorder::Current().request_id}}
                            .dump(),
                        kJsonContentType);
      });
  // Answers httplib produces on its own (malformed request line, URI too long): JSON like ours.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return HandlerResponse::Unhandled;
        // A request httplib could not parse never reached Dispatch: it gets its id here. What
        // follows on the connection cannot be trusted to be a request.
        if (!RequestRecorder::Current().active) recorder_.Begin(req);
        res.set_header("X-Request-Id", RequestRecorder::Current().request_id);
        CloseConnection(req);
        if (connection::DeadlinePassed()) res.status = 408;  // the headers came too slowly
        const char* code = res.status == 408   ? "request_timeout"
                           : res.status == 413 ? "payload_too_large"
                           : res.status == 414 ? "uri_too_long"
                           : res.status == 404 ? "not_found"
                                               : "bad_request";
        RequestRecorder::SetError(res, res.status, code, "the request could not be handled");
        return HandlerResponse::Handled;
      }));
  server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    recorder_.Finish(req, res);
  });
}

// Every request passes here first (after its headers are read, before its body).
Router::HandlerResponse Router::Dispatch(const httplib::Request& req, httplib::Response& res) {
  RequestState& state = recorder_.Begin(req);
  res.set_header("X-Request-Id", state.request_id);
  const Framing framing = CheckFraming(req, config_.max_body_bytes);
  if (framing.status != 0) {
    CloseConnection(req);
    RequestRecorder::SetError(res, framing.status, framing.code, framing.message);
    return HandlerResponse::Handled;
  }
  connection::HeadersRead(req.ssl, framing.content_length, framing.chunked);
  const HandlerResponse handled = Route(req, res, state);
  // Answered from the headers alone: a body, if any, stays unread, so the connection must end.
  // Chunked bodies end it too: their reads are not bounded to the body.
  if (framing.chunked || serving_.draining ||
      (handled == HandlerResponse::Handled && framing.content_length > 0)) {
    CloseConnection(req);
  }
  return handled;
}

Router::HandlerResponse Router::Route(const httplib::Request& req, httplib::Response& res,
                                      RequestState& state) {
  const bool is_get = req.method == "GET" || req.method == "HEAD";
  const bool is_post = req.method == "POST";

  if (ConnectionPool::InShedLane()) {
    CloseConnection(req);
    // The liveness probe is answered even at the connection cap: a 503 there would make the
    // kubelet restart a pod that is merely busy, turning overload into an outage.
    if (state.route != Route::kHealth) {
      res.set_header("Retry-After", "1");
      RequestRecorder::SetError(res, 503, "overloaded",
                                "the server is at its connection limit; retry shortly");
      return HandlerResponse::Handled;
    }
  }
  switch (state.route) {
    case Route::kHealth:
      if (!is_get) return MethodNotAllowed(res, "GET, HEAD");
      res.set_content(R"({"status":"ok"})", kJsonContentType);
      return HandlerResponse::Handled;
    case Route::kReady:
      if (!is_get) return MethodNotAllowed(res, "GET, HEAD");
      Ready(res);
      return HandlerResponse::Handled;
    case Route::kMetrics:
      if (!is_get) return MethodNotAllowed(res, "GET, HEAD");
      Metrics(res);
      return HandlerResponse::Handled;
    case Route::kInstrument:
      if (!is_post) return MethodNotAllowed(res, "POST");
      CheckInstrument(req, state);
      return HandlerResponse::Unhandled;  // to Instrument(), which reads the body
    case Route::kMutate:
      // The admission webhook is served over HTTPS only.
      if (req.ssl == nullptr) break;
      if (!is_post) return MethodNotAllowed(res, "POST");
      return HandlerResponse::Unhandled;
    case Route::kOther:
      break;
  }
  RequestRecorder::SetError(res, 404, "not_found", "no such route");
  return HandlerResponse::Handled;
}

Router::HandlerResponse Router::MethodNotAllowed(httplib::Response& res, const char* allow) {
  res.set_header("Allow", allow);
  RequestRecorder::SetError(res, 405, "method_not_allowed", fmt::format("use {}", allow));
  return HandlerResponse::Handled;
}

// Auth, rate limit and content type for POST /workflow/instrument; a refusal is kept in `state`.
void Router::CheckInstrument(const httplib::Request& req, RequestState& state) {
  auto refuse = [&state](int status, const char* code, const char* message) {
    state.refuse_status = status;
    state.refuse_code = code;
    state.refuse_message = message;
  };
  std::string limit_key;
  if (tokens_.enabled()) {
    const auto token = tokens_.Match(req.get_header_value("Authorization"));
    if (!token) {
      state.refuse_headers.emplace("WWW-Authenticate", R"(Bearer realm="traceassist")");
      return refuse(401, "unauthorized", "a valid bearer token is required");
    }
    limit_key = fmt::format("token:{}", *token);
  } else {
    limit_key = "addr:" + req.remote_addr;
  }
  if (limiter_.enabled() && !limiter_.Allow(limit_key, Clock::now())) {
    metrics_.RateLimited();
    state.refuse_headers.emplace("Retry-After", "1");
    return refuse(429, "rate_limited", "too many requests; retry shortly");
  }
  if (!IsJsonContentType(req.get_header_value("Content-Type"))) {
    return refuse(415, "unsupported_media_type", "Content-Type must be application/json");
  }
}

// Reads the body, counting bytes as they arrive so that a chunked body cannot exceed the limit.
// False: answered (413, 408 or 400) and the connection will close.
bool Router::ReadBody(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader, std::string& body) {
  const std::size_t declared = req.get_header_value<std::uint64_t>("Content-Length");
  body.reserve(std::min(declared, config_.max_body_bytes));
  bool too_large = false;
  const bool ok = reader([&](const char* data, std::size_t length) {
    if (body.size() + length > config_.max_body_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  RequestRecorder::Current().body_bytes = body.size();
  const bool late = connection::DeadlinePassed();
  connection::BodyRead();
  if (ok) return true;
  CloseConnection(req);
  if (late) {
    RequestRecorder::SetError(
        res, 408, "request_timeout",
        fmt::format("the body did not arrive within {} ms", config_.body_timeout_ms));
  } else if (too_large || res.status == 413) {
    RequestRecorder::SetError(
        res, 413, "payload_too_large",
        fmt::format("the body is larger than {} bytes", config_.max_body_bytes));
  } else {
    RequestRecorder::SetError(res, 400, "body_read_failed", "the request body could not be read");
  }
  return false;
}

void Router::Instrument(const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) {
  const RequestState& state = RequestRecorder::Current();
  if (state.refuse_status != 0) {
    // Read and drop the body (never parsed), up to the limit, so the connection stays in step.
    std::size_t seen = 0;
    reader([&](const char*, std::size_t length) {
      seen += length;
      return seen <= config_.max_body_bytes;
    });
    connection::BodyRead();
    if (seen > config_.max_body_bytes) CloseConnection(req);
    for (const auto& [name, value] : state.refuse_headers) res.set_header(name, value);
    RequestRecorder::SetError(res, state.refuse_status, state.refuse_code, state.refuse_message);
    return;
  }
  std::string body;
  if (!ReadBody(req, res, reader, body)) return;
  InstrumentApiResult result = HandleInstrumentRequest(
      std::move(body), config_.policy, limits_, slots_,
      inspection_ ? inspection_->Blocking(std::chrono::steady_clock::now() +
                                          config_.registry.inspection_timeout)
                  : instrument::ImageFactsLookup());
  res.status = result.status;
  SetJsonBody(res, std::move(result.body));
  // A manifest the library refused (400) or failed on (500, an internal failure).
  if (result.code == "invalid_yaml" || result.code == "internal_error") {
    metrics_.ManifestProcessed("error");
  }
  const bool ok = result.status == 200;
  if (ok) {
    metrics_.ManifestProcessed(result.changes_made ? "changed" : "unchanged");
    for (const auto& [status_language, count] : result.summary.by_status_language) {
      metrics_.ObjectProcessed(status_language.first, status_language.second, count);
    }
    for (const auto& [reason, count] : result.summary.skipped_by_reason) {
      metrics_.ObjectSkipped(reason, count);
    }
  }
  HandlerResult handled;
  handled.code = std::move(result.code);
  handled.summary = ok ? &result.summary : nullptr;
  handled.changes_made = result.changes_made;
  handled.deployment_name = std::move(result.deployment_name);
  handled.client_repo = std::move(result.client_repo);
  recorder_.Handled(std::move(handled));
}

void Router::Mutate(const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) {
  std::string body;
  if (!ReadBody(req, res, reader, body)) return;
  const Clock::time_point start = Clock::now();
  AdmissionOutcome outcome = HandleAdmission(body, admission_policy_);
  metrics_.AdmissionFinished(outcome.kind, outcome.operation, outcome.outcome, outcome.reason,
                             std::chrono::duration<double>(Clock::now() - start).count());
  if (outcome.http_status == 200) {
    res.status = 200;
    res.set_content(outcome.body, kJsonContentType);
  } else {
    RequestRecorder::SetError(res, outcome.http_status, "invalid_admission_review", outcome.body);
  }
  if (outcome.outcome == "error") {
    LogEvent(outcome.http_status == 200 ? LogLevel::kError : LogLevel::kWarn, "admission failed",
             {{"request_id", RequestRecorder::Current().request_id}, {"error", outcome.error}});
  }
  ReportSummary summary;
  summary.Add(outcome.report);
  HandlerResult handled;
  handled.summary = &summary;
  handled.changes_made = outcome.outcome == "patched";
  handled.input_error = outcome.http_status != 200;
  handled.dry_run = outcome.dry_run;
  handled.admission_uid = std::move(outcome.uid);
  handled.admission_outcome = outcome.outcome;
  recorder_.Handled(std::move(handled));
}

void Router::Ready(httplib::Response& res) {
  const analytics::SinkState sink_state = sink_ ? sink_->State() : analytics::SinkState::kOff;
  const char* analytics_name = analytics::SinkStateName(sink_state);
  const bool analytics_blocks =
      analytics::AnalyticsBlocksReadiness(sink_state, config_.analytics_required);
  const bool ready = serving_.ready, draining = serving_.draining;
  const char* server_state = draining ? "draining" : ready ? "ok" : "starting";
  const bool answer_ready = ready && !draining && !analytics_blocks;
  json components = {{"server", server_state}, {"analytics", analytics_name}};
  if (config_.tls_enabled()) components["tls"] = serving_.tls_listening ? "ok" : "off";
  res.status = answer_ready ? 200 : 503;
  res.set_content(
      json{{"status", answer_ready ? "ready" : "not_ready"}, {"components", components}}.dump(),
      kJsonContentType);
}

void Router::Metrics(httplib::Response& res) {
  std::string out;
  out.reserve(16384);
  ServerMetrics::Gauges gauges;
  gauges.ready = serving_.ready && !serving_.draining;
  gauges.connections_active = pool_.active_connections();
  gauges.worker_threads = pool_.threads();
  gauges.connections_shed = pool_.shed_connections();
  metrics_.Render(out, gauges);
  if (inspection_) {
    common::MetricsText text;
    inspection_->Render(text);
    text.AppendTo(out);
  }
  if (sink_ != nullptr) sink_->AppendMetrics(out);
  res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace traceassist::webhook
