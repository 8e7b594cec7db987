#include "listeners.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "connection_guard.h"
#include "traceassist/common/json_log.h"

namespace traceassist::webhook {

using common::LogEvent;
using common::LogLevel;

Listeners::Listeners(const ServerConfig& config, ConnectionPool& pool, Router& router,
                     ServerMetrics& metrics, ServingState& serving,
                     std::function<void()> after_connection)
    : config_(config),
      pool_(pool),
      router_(router),
      metrics_(metrics),
      serving_(serving),
      after_connection_(std::move(after_connection)) {}

Listeners::~Listeners() {
  if (started_ && !drained_) Drain();
}

void Listeners::Start() {
  Configure(http_);
  port_ = Bind(http_, config_.http_address(), config_.port, "TRACEASSIST_PORT");
  if (config_.tls_enabled()) StartTls();
  http_thread_ = std::thread([this] { Listen(http_); });
  started_ = true;
  // /ready turns 200 only once the listeners run: stop() is unsafe before that (library-facts
  // §2.7).
  WaitRunning(http_);
  if (https_) WaitRunning(*https_);
  if (listeners_returned_ > 0) throw std::runtime_error("a listener stopped as soon as it started");
  serving_.ready = true;
  LogEvent(LogLevel::kInfo, "listening",
           {{"bind", config_.bind},
            {"http_bind", config_.http_address()},
            {"port", port_},
            {"tls_port", tls_port_}});
}

bool Listeners::Drain() {
  if (drained_) return drain_ok_;
  drained_ = true;
  serving_.draining = true;
  serving_.ready = false;
  LogEvent(LogLevel::kInfo, "draining", {{"timeout_s", config_.drain_timeout_s}});
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(config_.drain_timeout_s);
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

// Everything both listeners share: limits, timeouts, the task queue and the routing.
void Listeners::Configure(httplib::Server& server) {
  server.new_task_queue = [this] {
    return pool_.NewListenerQueue(
        [this] { connection::Begin(config_.header_timeout_ms, config_.body_timeout_ms); },
        after_connection_);
  };
  server.set_tcp_nodelay(true);  // Nagle costs ~40 ms per keep-alive request (library-facts §2.4)
  server.set_keep_alive_max_count(static_cast<std::size_t>(config_.keepalive_max_requests));
  server.set_keep_alive_timeout(config_.keepalive_timeout_s);
  server.set_read_timeout(config_.read_timeout_ms / 1000, (config_.read_timeout_ms % 1000) * 1000);
  server.set_write_timeout(config_.write_timeout_ms / 1000,
                           (config_.write_timeout_ms % 1000) * 1000);
  server.set_payload_max_length(config_.max_body_bytes);
  router_.Install(server);
}

int Listeners::Bind(httplib::Server& server, const std::string& address, int port,
                    const char* setting) {
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
    bound = server.bind_to_any_port(address);
  } else if (server.bind_to_port(address, port)) {
    bound = port;
  }
  if (bound <= 0) {
    throw std::runtime_error(fmt::format("{}: cannot listen on {}:{} ({})", setting, address, port,
                                         std::strerror(errno)));
  }
  if (listen_fd >= 0 && ::listen(listen_fd, SOMAXCONN) != 0) {
    LogEvent(LogLevel::kWarn, "cannot raise the listen backlog", {{"error", std::strerror(errno)}});
  }
  return bound;
}

void Listeners::Listen(httplib::Server& server) {
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
void Listeners::WaitRunning(const httplib::Server& server) const {
  while (!server.is_running() && listeners_returned_ == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void Listeners::StartTls() {
  auto loaded = CertificateStore::Load(config_.tls_cert, config_.tls_key);
  if (!loaded.ok()) {
    throw std::runtime_error("TRACEASSIST_TLS_CERT / TRACEASSIST_TLS_KEY: " +
                             loaded.status().ToString());
  }
  certificates_ = std::move(loaded).value();
  metrics_.CertificateInUse(certificates_->NotAfter());
  // The callback constructor sets no TLS policy of its own (library-facts §2.1): the store's
  // ConfigureServerContext sets TLS 1.2+, AEAD ciphers and ALPN http/1.1; the certificate comes
  // from a per-handshake callback so that it can be replaced while serving (§2.2).
  https_ = std::make_unique<httplib::SSLServer>([this](SSL_CTX& ctx) {
    const CertStatus status = ConfigureServerContext(&ctx);
    if (!status.ok()) {
      LogEvent(LogLevel::kError, "TLS context setup failed", {{"error", status.ToString()}});
      return false;
    }
    certificates_->Install(&ctx);
    return true;
  });
  if (!https_->is_valid()) throw std::runtime_error("the TLS listener could not be set up");
  Configure(*https_);
  tls_port_ = Bind(*https_, config_.bind, config_.tls_port, "TRACEASSIST_TLS_PORT");
  serving_.tls_listening = true;
  https_thread_ = std::thread([this] { Listen(*https_); });
  LogEvent(LogLevel::kInfo, "TLS certificate loaded", {{"certificate", certificates_->Describe()}});
  watcher_ = std::thread([this] { WatchCertificate(); });
}

// cert-manager rotates the Secret and the kubelet swaps the files: look every second.
void Listeners::WatchCertificate() {
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
      metrics_.CertificateInUse(certificates_->NotAfter());
      LogEvent(LogLevel::kInfo, "TLS certificate reloaded",
               {{"certificate", certificates_->Describe()}});
    }
    lock.lock();
  }
}

void Listeners::StopCertificateWatcher() {
  {
    std::lock_guard lock(watcher_mu_);
    watcher_stop_ = true;
  }
  watcher_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

}  // namespace traceassist::webhook
