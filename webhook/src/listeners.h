// The server's two listeners: plain HTTP and, when a certificate and key are configured, HTTPS
// with the certificate reloaded while serving. Owns binding (with a real listen backlog), the
// transport settings (timeouts, keep-alive, body limit, the connection pool as task queue), the
// listener threads, the certificate watcher and the graceful drain.
//
// Thread-safety: Start and Drain are called from one controlling thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "connection_pool.h"
#include "router.h"
#include "server_metrics.h"
#include "traceassist/webhook/cert_store.h"
#include "traceassist/webhook/server_config.h"

namespace traceassist::webhook {

class Listeners {
 public:
  // Every reference must outlive the listeners. `after_connection` runs on a worker thread after
  // each connection closed.
  Listeners(const ServerConfig& config, ConnectionPool& pool, Router& router,
            ServerMetrics& metrics, ServingState& serving, std::function<void()> after_connection);
  ~Listeners();  // drains when Start ran and Drain did not

  // Binds and starts both listeners; throws std::runtime_error for the operator.
  void Start();
  // Stops accepting and waits (at most drain_timeout_s) for open connections; see Server::Drain.
  bool Drain();
  int port() const { return port_; }
  int tls_port() const { return tls_port_; }

 private:
  void Configure(httplib::Server& server);
  int Bind(httplib::Server& server, const std::string& address, int port, const char* setting);
  void Listen(httplib::Server& server);
  void WaitRunning(const httplib::Server& server) const;
  void StartTls();
  void WatchCertificate();
  void StopCertificateWatcher();

  const ServerConfig& config_;
  ConnectionPool& pool_;
  Router& router_;
  ServerMetrics& metrics_;
  ServingState& serving_;
  const std::function<void()> after_connection_;

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

  bool started_ = false;
  bool drained_ = false;
  bool drain_ok_ = false;

  std::mutex watcher_mu_;
  std::condition_variable watcher_cv_;
  bool watcher_stop_ = false;
  std::thread watcher_;
};

}  // namespace traceassist::webhook
