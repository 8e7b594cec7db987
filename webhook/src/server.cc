#include "traceassist/webhook/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "access_control.h"
#include "connection_pool.h"
#include "instrument_api.h"
#include "server_metrics.h"
#include "traceassist/common/json_log.h"
#include "traceassist/common/text.h"
#include "traceassist/webhook/admission.h"
#include "traceassist/webhook/cert_store.h"

namespace traceassist::webhook {

using common::LogEvent;
using common::LogLevel;

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using HandlerResponse = httplib::Server::HandlerResponse;

constexpr const char* kJson = "application/json";
// Threads that answer connections beyond max_connections with 503.
constexpr std::size_t kShedLaneThreads = 16;

// What the logger (which runs after the response is written) needs to know about the request this
// thread is serving. httplib runs pre-routing, the handler and the logger of one request on one
// thread, so a thread_local carries it without a map keyed by request.
struct RequestState {
  bool active = false;
  Clock::time_point start;
  std::string request_id;
  Route route = Route::kOther;
  std::string code;  // stable error code of the answer, if any
  int objects = -1;
  int changes_made = -1;
  std::size_t body_bytes = 0;
  // Analytics for POST /workflow/instrument and /mutate (not a dry run): recorded by the logger, so
  // that every such request yields exactly one event whatever path answered it.
  bool record_usage = false;
  analytics::UsageEvent usage;
  // A refusal decided from the headers (401, 415, 429), answered once the body has been read and
  // discarded: httplib keeps the connection open, and an unread body would be parsed as the next
  // request.
  int refuse_status = 0;
  std::string refuse_code;
  std::string refuse_message;
  httplib::Headers refuse_headers;
  // Admission details for the log line.
  std::string admission_uid;
  std::string admission_outcome;
};
thread_local RequestState tls_request;

bool IsRequestIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

std::string NewRequestId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return fmt::format("{:016x}", random());
}

// The client's X-Request-Id when it is short and plain, else a new one.
std::string RequestIdFor(const httplib::Request& req) {
  const auto it = req.headers.find("X-Request-Id");
  if (it != req.headers.end() && !it->second.empty() && it->second.size() <= 64 &&
      std::all_of(it->second.begin(), it->second.end(), IsRequestIdChar)) {
    return it->second;
  }
  return NewRequestId();
}

bool IsJsonContentType(const std::string& value) {
  std::string_view type(value);
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return common::EqualsIgnoreCase(type, "application/json");
}

void SetError(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  res.status = status;
  res.set_content(ErrorBody(code, message), kJson);
  tls_request.code = std::string(code);
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

std::vector<std::string> InstrumentedLanguages(const instrument::Report& report) {
  std::set<std::string> languages;
  for (const auto& object : report.objects) {
    for (const auto& container : object.containers) {
      if (container.instrumented) languages.emplace(instrument::ToString(container.language));
    }
  }
  return {languages.begin(), languages.end()};
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerConfig config, analytics::UsageSink* sink)
      : config_(std::move(config)),
        sink_(sink),
        pool_(static_cast<std::size_t>(config_.max_connections), kShedLaneThreads),
        tokens_(config_.api_tokens),
        limiter_(config_.rate_limit_rps),
        slots_(config_.threads) {
    limits_.max_bytes = config_.max_body_bytes;
  }

  ~Impl() {
    if (started_ && !drained_) Drain();
  }

  void Start() {
    Configure(http_);
    port_ = Bind(http_, config_.port, "TRACEASSIST_PORT");
    if (config_.tls_enabled()) StartTls();
    http_thread_ = std::thread([this] { Listen(http_); });
    started_ = true;
    // /ready turns 200 only once the listeners run: stop() is unsafe before that (library-facts
    // §2.7).
    WaitRunning(http_);
    if (https_) WaitRunning(*https_);
    if (listeners_returned_ > 0)
      throw std::runtime_error("a listener stopped as soon as it started");
    ready_ = true;
    LogEvent(LogLevel::kInfo, "listening",
             {{"bind", config_.bind}, {"port", port_}, {"tls_port", tls_port_}});
  }

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }

  bool Drain() {
    if (drained_) return drain_ok_;
    drained_ = true;
    draining_ = true;
    ready_ = false;
    LogEvent(LogLevel::kInfo, "draining", {{"timeout_s", config_.drain_timeout_s}});
    const auto deadline = Clock::now() + std::chrono::seconds(config_.drain_timeout_s);
    http_.stop();
    if (https_) https_->stop();
    StopCertificateWatcher();
    // listen() returns once its task queue's shutdown saw every connection finish.
    std::unique_lock lock(listen_mu_);
    drain_ok_ = listen_cv_.wait_until(lock, deadline, [this] { return listeners_running_ == 0; });
    lock.unlock();
    if (drain_ok_) {
      if (http_thread_.joinable()) http_thread_.join();
      if (https_thread_.joinable()) https_thread_.join();
      LogEvent(LogLevel::kInfo, "drained");
    } else {
      // The process is about to exit: leave the stuck connections' threads behind.
      if (http_thread_.joinable()) http_thread_.detach();
      if (https_thread_.joinable()) https_thread_.detach();
      LogEvent(LogLevel::kWarn, "drain timeout: connections still open",
               {{"connections", pool_.active_connections()}});
    }
    return drain_ok_;
  }

 private:
  int Bind(httplib::Server& server, int port, const char* setting) {
    // httplib listens with a backlog of 5: a burst of new clients (256 connecting at once) then
    // waits for SYN retransmits, seconds each. Keep the listening socket to listen again with a
    // real one.
    int listen_fd = -1;
    server.set_socket_options([&listen_fd](socket_t fd) {
      listen_fd = fd;
      const int one = 1;
      // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second
      // server bind the same port silently.
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    });
    int bound = -1;
    if (port == 0) {
      bound = server.bind_to_any_port(config_.bind);
    } else if (server.bind_to_port(config_.bind, port)) {
      bound = port;
    }
    if (bound <= 0) {
      throw std::runtime_error(fmt::format("{}: cannot listen on {}:{} ({})", setting, config_.bind,
                                           port, std::strerror(errno)));
    }
    if (listen_fd >= 0 && ::listen(listen_fd, SOMAXCONN) != 0) {
      LogEvent(LogLevel::kWarn, "cannot raise the listen backlog",
               {{"error", std::strerror(errno)}});
    }
    return bound;
  }

  void Listen(httplib::Server& server) {
    {
      std::lock_guard lock(listen_mu_);
      ++listeners_running_;
    }
    server.listen_after_bind();
    ++listeners_returned_;
    std::lock_guard lock(listen_mu_);
    --listeners_running_;
    listen_cv_.notify_all();
  }

  // Until the accept loop runs (or gave up at once: then it never will).
  void WaitRunning(const httplib::Server& server) const {
    while (!server.is_running() && listeners_returned_ == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Everything both listeners share: limits, timeouts, the task queue and the routing.
  void Configure(httplib::Server& server) {
    server.new_task_queue = [this] {
      return pool_.NewListenerQueue([this] { AbandonUnfinished(); });
    };
    server.set_tcp_nodelay(true);  // Nagle costs ~40 ms per keep-alive request (library-facts §2.4)
    server.set_keep_alive_max_count(static_cast<std::size_t>(config_.keepalive_max_requests));
    server.set_keep_alive_timeout(config_.keepalive_timeout_s);
    server.set_read_timeout(config_.read_timeout_ms / 1000,
                            (config_.read_timeout_ms % 1000) * 1000);
    server.set_write_timeout(config_.write_timeout_ms / 1000,
                             (config_.write_timeout_ms % 1000) * 1000);
    server.set_payload_max_length(config_.max_body_bytes);
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
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          LogEvent(LogLevel::kError, "handler exception",
                   {{"request_id", tls_request.request_id}, {"error", what}});
          res.headers.erase("EXCEPTION_WHAT");
          SetError(res, 500, "internal_error", "internal error; see the server log");
        });
    // Answers httplib produces on its own (malformed request line, URI too long): JSON like ours.
    server.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          const char* code = res.status == 413   ? "payload_too_large"
                             : res.status == 414 ? "uri_too_long"
                             : res.status == 404 ? "not_found"
                                                 : "bad_request";
          SetError(res, res.status, code, "the request could not be handled");
          return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_logger(
        [this](const httplib::Request& req, const httplib::Response& res) { Finish(req, res); });
  }

  // Every request passes here first (after its headers are read, before its body).
  httplib::Server::HandlerResponse Dispatch(const httplib::Request& req, httplib::Response& res) {
    RequestState& state = tls_request;
    AbandonUnfinished();
    state = RequestState{};
    state.active = true;
    state.start = Clock::now();
    state.request_id = RequestIdFor(req);
    state.route = RouteOf(req.path);
    metrics_.RequestStarted();
    res.set_header("X-Request-Id", state.request_id);
    if (draining_) res.set_header("Connection", "close");
    const bool is_get = req.method == "GET" || req.method == "HEAD";
    const bool is_post = req.method == "POST";
    if (is_post && (state.route == Route::kInstrument || state.route == Route::kMutate)) {
      BeginUsage(state, req);
    }

    if (ConnectionPool::InShedLane()) {
      res.set_header("Connection", "close");
      // The liveness probe is answered even at the connection cap: a 503 there would make the
      // kubelet restart a pod that is merely busy, turning overload into an outage.
      if (state.route != Route::kHealth) {
        res.set_header("Retry-After", "1");
        SetError(res, 503, "overloaded", "the server is at its connection limit; retry shortly");
        return HandlerResponse::Handled;
      }
    }
    switch (state.route) {
      case Route::kHealth:
        if (!is_get) return MethodNotAllowed(res, "GET, HEAD");
        res.set_content(R"({"status":"ok"})", kJson);
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
    SetError(res, 404, "not_found", "no such route");
    return HandlerResponse::Handled;
  }

  httplib::Server::HandlerResponse MethodNotAllowed(httplib::Response& res, const char* allow) {
    res.set_header("Allow", allow);
    SetError(res, 405, "method_not_allowed", fmt::format("use {}", allow));
    return httplib::Server::HandlerResponse::Handled;
  }

  // Auth, rate limit and content type for POST /workflow/instrument; a refusal is kept in `state`.
  void CheckInstrument(const httplib::Request& req, RequestState& state) {
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
  // False: answered (413 or 400) and the connection will close.
  bool ReadBody(const httplib::Request& req, httplib::Response& res,
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
    tls_request.body_bytes = body.size();
    if (ok) return true;
    res.set_header("Connection", "close");
    if (too_large || res.status == 413) {
      SetError(res, 413, "payload_too_large",
               fmt::format("the body is larger than {} bytes", config_.max_body_bytes));
    } else {
      SetError(res, 400, "body_read_failed", "the request body could not be read");
    }
    return false;
  }

  void Instrument(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader) {
    RequestState& state = tls_request;
    if (state.refuse_status != 0) {
      // Read and drop the body (never parsed), up to the limit, so the connection stays in step.
      std::size_t seen = 0;
      reader([&](const char*, std::size_t length) {
        seen += length;
        return seen <= config_.max_body_bytes;
      });
      if (seen > config_.max_body_bytes) res.set_header("Connection", "close");
      for (const auto& [name, value] : state.refuse_headers) res.set_header(name, value);
      SetError(res, state.refuse_status, state.refuse_code, state.refuse_message);
      return;
    }
    std::string body;
    if (!ReadBody(req, res, reader, body)) return;
    InstrumentApiResult result = HandleInstrumentRequest(body, config_.policy, limits_, slots_);
    res.status = result.status;
    res.set_content(result.body, kJson);
    state.code = result.code;
    state.usage.deployment_name = std::move(result.deployment_name);
    state.usage.client_repo = std::move(result.client_repo);
    if (result.status == 400 && result.code == "invalid_yaml") {
      metrics_.ManifestProcessed("error");
    }
    if (result.status != 200) return;
    const instrument::Report& report = result.report;
    state.objects = static_cast<int>(report.objects.size());
    state.changes_made = result.changes_made ? 1 : 0;
    metrics_.ManifestProcessed(result.changes_made ? "changed" : "unchanged");
    int instrumented = 0;
    for (const auto& object : report.objects) {
      if (object.status == instrument::ObjectStatus::kInstrumented) ++instrumented;
      std::set<std::string_view> languages;
      for (const auto& container : object.containers) {
        if (container.role == instrument::ContainerRole::kContainer &&
            container.language != instrument::Language::kNone) {
          languages.insert(instrument::ToString(container.language));
        }
      }
      if (languages.empty()) languages.insert("none");
      for (std::string_view language : languages) {
        metrics_.ObjectProcessed(instrument::ToString(object.status), language);
      }
    }
    state.usage.objects_seen = state.objects;
    state.usage.objects_instrumented = instrumented;
    state.usage.changes_made = result.changes_made;
    state.usage.languages = InstrumentedLanguages(report);
  }

  void Mutate(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader) {
    std::string body;
    if (!ReadBody(req, res, reader, body)) return;
    RequestState& state = tls_request;
    const Clock::time_point start = Clock::now();
    AdmissionOutcome outcome = HandleAdmission(body, admission_policy_);
    metrics_.AdmissionFinished(outcome.kind, outcome.operation, outcome.outcome,
                               SecondsSince(start));
    res.status = outcome.http_status;
    res.set_content(outcome.body, outcome.http_status == 200 ? kJson : "text/plain");
    state.admission_uid = std::move(outcome.uid);
    state.admission_outcome = outcome.outcome;
    if (outcome.outcome == "error") {
      LogEvent(outcome.http_status == 200 ? LogLevel::kError : LogLevel::kWarn, "admission failed",
               {{"request_id", state.request_id}, {"error", outcome.error}});
    }
    // A dry run must change nothing outside the response: no analytics (sideEffects NoneOnDryRun).
    state.record_usage = state.record_usage && !outcome.dry_run;
    const instrument::Report& report = outcome.report;
    state.objects = static_cast<int>(report.objects.size());
    state.changes_made = outcome.outcome == "patched" ? 1 : 0;
    state.usage.objects_seen = state.objects;
    for (const auto& object : report.objects) {
      if (object.status == instrument::ObjectStatus::kInstrumented) {
        ++state.usage.objects_instrumented;
      }
    }
    state.usage.changes_made = outcome.outcome == "patched";
    state.usage.languages = InstrumentedLanguages(report);
    if (outcome.http_status != 200) state.usage.outcome = "input_error";
  }

  void BeginUsage(RequestState& state, const httplib::Request& req) {
    state.record_usage = sink_ != nullptr;
    state.usage.source = state.route == Route::kMutate ? "webhook" : "api";
    state.usage.manifest_bytes = req.get_header_value<std::uint64_t>("Content-Length");
  }

  void Ready(httplib::Response& res) {
    const analytics::SinkState sink_state = sink_ ? sink_->State() : analytics::SinkState::kOff;
    const char* analytics_name = sink_state == analytics::SinkState::kOk         ? "ok"
                                 : sink_state == analytics::SinkState::kDegraded ? "degraded"
                                                                                 : "off";
    const bool analytics_blocks =
        config_.analytics_required && sink_state != analytics::SinkState::kOk;
    const char* server_state = draining_ ? "draining" : ready_ ? "ok" : "starting";
    const bool ready = ready_ && !draining_ && !analytics_blocks;
    json components = {{"server", server_state}, {"analytics", analytics_name}};
    if (config_.tls_enabled()) components["tls"] = https_ ? "ok" : "off";
    res.status = ready ? 200 : 503;
    res.set_content(
        json{{"status", ready ? "ready" : "not_ready"}, {"components", components}}.dump(), kJson);
  }

  void Metrics(httplib::Response& res) {
    std::string out;
    out.reserve(16384);
    ServerMetrics::Gauges gauges;
    gauges.ready = ready_ && !draining_;
    gauges.connections_active = pool_.active_connections();
    gauges.worker_threads = pool_.threads();
    gauges.connections_shed = pool_.shed_connections();
    metrics_.Render(out, gauges);
    if (sink_ != nullptr) sink_->AppendMetrics(out);
    res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
  }

  // A request whose response could not be written (the client went away) never reaches the
  // logger: account for it when its connection ends, as status 499 (nginx's "client closed
  // request"), so that the in-flight gauge stays right and analytics still gets its one event.
  void AbandonUnfinished() {
    RequestState& state = tls_request;
    if (!state.active) return;
    state.active = false;
    const double seconds = SecondsSince(state.start);
    metrics_.RequestFinished(state.route, 499, seconds);
    LogEvent(LogLevel::kInfo, "request",
             {{"request_id", state.request_id},
              {"route", RouteLabel(state.route)},
              {"status", 499},
              {"latency_ms", std::round(seconds * 1e6) / 1e3},
              {"note", "the connection closed before the response was written"}});
    if (state.record_usage && sink_ != nullptr) {
      state.usage.outcome = "client_closed";
      RecordUsage(state);
    }
  }

  void RecordUsage(RequestState& state) {
    analytics::UsageEvent& event = state.usage;
    event.time = std::chrono::system_clock::now();
    event.processing_time =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - state.start);
    if (state.body_bytes > 0) event.manifest_bytes = state.body_bytes;
    sink_->Record(event);
  }

  // Runs after the response was written: metrics, the request log line, and analytics.
  void Finish(const httplib::Request& req, const httplib::Response& res) {
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
    json fields = {{"request_id", state.request_id},
                   {"method", kMethods.count(req.method) ? req.method : std::string("invalid")},
                   {"route", RouteLabel(state.route)},
                   {"status", res.status},
                   {"latency_ms", std::round(seconds * 1e6) / 1e3},
                   {"remote", req.remote_addr}};
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

  void StartTls();
  void StopCertificateWatcher();

  const ServerConfig config_;
  analytics::UsageSink* const sink_;
  instrument::TextLimits limits_;
  ServerMetrics metrics_;
  ConnectionPool pool_;  // declared before the listeners: it must outlive their task queues
  TokenSet tokens_;
  RateLimiter limiter_;
  RewriteSlots slots_;

  AdmissionPolicy admission_policy_;
  std::unique_ptr<CertificateStore> certificates_;  // must outlive https_'s SSL_CTX
  httplib::Server http_;
  std::unique_ptr<httplib::SSLServer> https_;
  std::thread http_thread_;
  std::thread https_thread_;
  int port_ = -1;
  int tls_port_ = -1;

  std::mutex listen_mu_;
  std::condition_variable listen_cv_;
  int listeners_running_ = 0;
  std::atomic<int> listeners_returned_{0};

  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
  bool started_ = false;
  bool drained_ = false;
  bool drain_ok_ = false;

  std::mutex watcher_mu_;
  std::condition_variable watcher_cv_;
  bool watcher_stop_ = false;
  std::thread watcher_;
};

void Server::Impl::StartTls() {
  admission_policy_.options = config_.policy;
  admission_policy_.namespace_instrumentation = config_.namespace_instrumentation;
  admission_policy_.audit = config_.webhook_audit;

  auto loaded = CertificateStore::Load(config_.tls_cert, config_.tls_key);
  if (!loaded.ok()) {
    throw std::runtime_error("TRACEASSIST_TLS_CERT / TRACEASSIST_TLS_KEY: " +
                             loaded.status().ToString());
  }
  certificates_ = std::move(loaded).value();
  // The callback constructor sets no TLS policy of its own (library-facts §2.1): the store's
  // ConfigureServerContext sets TLS 1.2+, AEAD ciphers and ALPN http/1.1; the certificate comes
  // from a per-handshake callback so that it can be replaced while serving (§2.2).
  https_ = std::make_unique<httplib::SSLServer>([this](SSL_CTX& ctx) {
    const instrument::Status status = ConfigureServerContext(&ctx);
    if (!status.ok()) {
      LogEvent(LogLevel::kError, "TLS context setup failed", {{"error", status.ToString()}});
      return false;
    }
    certificates_->Install(&ctx);
    return true;
  });
  if (!https_->is_valid()) throw std::runtime_error("the TLS listener could not be set up");
  Configure(*https_);
  tls_port_ = Bind(*https_, config_.tls_port, "TRACEASSIST_TLS_PORT");
  https_thread_ = std::thread([this] { Listen(*https_); });
  LogEvent(LogLevel::kInfo, "TLS certificate loaded", {{"certificate", certificates_->Describe()}});

  // cert-manager rotates the Secret and the kubelet swaps the files: look every second.
  watcher_ = std::thread([this] {
    std::unique_lock lock(watcher_mu_);
    while (!watcher_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return watcher_stop_; })) {
      lock.unlock();
      auto reloaded = certificates_->ReloadIfChanged();
      if (!reloaded.ok()) {
        metrics_.CertificateReload(false);
        LogEvent(LogLevel::kError, "TLS certificate reload refused; the previous pair stays in use",
                 {{"error", reloaded.status().ToString()}});
      } else if (reloaded.value()) {
        metrics_.CertificateReload(true);
        LogEvent(LogLevel::kInfo, "TLS certificate reloaded",
                 {{"certificate", certificates_->Describe()}});
      }
      lock.lock();
    }
  });
}

void Server::Impl::StopCertificateWatcher() {
  {
    std::lock_guard lock(watcher_mu_);
    watcher_stop_ = true;
  }
  watcher_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

Server::Server(ServerConfig config, analytics::UsageSink* usage_sink)
    : impl_(std::make_unique<Impl>(std::move(config), usage_sink)) {}
Server::~Server() = default;
void Server::Start() { impl_->Start(); }
int Server::port() const { return impl_->port(); }
int Server::tls_port() const { return impl_->tls_port(); }
bool Server::Drain() { return impl_->Drain(); }

}  // namespace traceassist::webhook
