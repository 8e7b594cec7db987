// The routes of both listeners: /health, /ready and /metrics, POST /workflow/instrument and (over
// TLS only) POST /mutate, with authentication, rate limiting and content-type checks for the API,
// JSON error answers for everything httplib refuses on its own, and the request recorder hooked
// into every request.
//
// Thread-safety: Install is called before the listeners run; the handlers it installs run
// concurrently on the connection threads and share only thread-safe parts.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>

#include "access_control.h"
#include "connection_pool.h"
#include "image_inspection.h"
#include "instrument_api.h"
#include "request_recorder.h"
#include "server_metrics.h"
#include "traceassist/analytics/usage_sink.h"
#include "traceassist/webhook/admission.h"
#include "traceassist/webhook/server_config.h"

namespace traceassist::webhook {

// What the listeners tell the routes (/ready, Connection: close while draining).
struct ServingState {
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  std::atomic<bool> tls_listening{false};
};

class Router {
 public:
  // Every reference must outlive the router; `sink` may be null (analytics off).
  Router(const ServerConfig& config, analytics::UsageSink* sink, ServerMetrics& metrics,
         RequestRecorder& recorder, const ConnectionPool& pool, const ServingState& serving);

  // Installs the routes, the error and exception handlers and the request logger on `server`.
  void Install(httplib::Server& server);

 private:
  using HandlerResponse = httplib::Server::HandlerResponse;

  HandlerResponse Dispatch(const httplib::Request& req, httplib::Response& res);
  HandlerResponse Route(const httplib::Request& req, httplib::Response& res, RequestState& state);
  HandlerResponse MethodNotAllowed(httplib::Response& res, const char* allow);
  void CheckInstrument(const httplib::Request& req, RequestState& state);
  bool ReadBody(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader& reader, std::string& body);
  void Instrument(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader);
  void Mutate(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader);
  void Ready(httplib::Response& res);
  void Metrics(httplib::Response& res);

  const ServerConfig& config_;
  analytics::UsageSink* const sink_;
  ServerMetrics& metrics_;
  RequestRecorder& recorder_;
  const ConnectionPool& pool_;
  const ServingState& serving_;
  instrument::TextLimits limits_;
  TokenSet tokens_;
  RateLimiter limiter_;
  RewriteSlots slots_;
  // Image inspection, when TRACEASSIST_INSPECT_IMAGES is on (else null). Before admission_policy_,
  // whose hook uses it.
  std::unique_ptr<ImageInspection> inspection_;
  AdmissionPolicy admission_policy_;
};

}  // namespace traceassist::webhook
