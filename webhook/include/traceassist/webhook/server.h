// The TraceAssist HTTP(S) server behind `traceassist serve`: POST /workflow/instrument, /health,
// /ready and /metrics on the plain listener, and the same plus POST /mutate (the admission webhook)
// on the TLS listener when a certificate and key are configured.
//
// Capacity model (details in connection_pool.h): one thread per open connection up to
// max_connections, started on demand; connections beyond that are answered 503 + Retry-After by a
// small shed lane; the number of rewrites running at once is capped at `threads`, so memory stays
// bounded however many clients wait. Read, write and keep-alive timeouts bound how long a client
// can hold a connection; chunked bodies are counted against max_body_bytes like sized ones.
//
// Thread-safety: Start and Drain are called from one controlling thread; everything else runs on
// the server's own threads.
#pragma once

#include <memory>

#include "traceassist/analytics/usage_sink.h"
#include "traceassist/webhook/server_config.h"

namespace traceassist::webhook {

class Server {
 public:
  // `usage_sink` may be null (analytics off); when set it must outlive the server. It receives one
  // event per POST /workflow/instrument and per POST /mutate that is not a dry run.
  Server(ServerConfig config, analytics::UsageSink* usage_sink);
  ~Server();  // drains (if Drain was not called) and joins every thread
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners and starts serving on background threads; /ready turns 200 once both run.
  // Throws std::runtime_error with a message for the operator when a port cannot be bound or the
  // TLS certificate and key cannot be loaded.
  void Start();

  // The bound ports (useful with port 0); tls_port() is -1 when HTTPS is off.
  int port() const;
  int tls_port() const;

  // Graceful shutdown: /ready turns 503, responses carry `Connection: close`, the listeners stop
  // accepting, and in-flight requests finish. Waits at most drain_timeout_s. Returns true when
  // every connection finished in time; false means some are still running (the caller should exit
  // anyway).
  bool Drain();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace traceassist::webhook
