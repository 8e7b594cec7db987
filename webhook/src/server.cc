#include "traceassist/webhook/server.h"

#include "connection_pool.h"
#include "listeners.h"
#include "request_recorder.h"
#include "router.h"
#include "server_metrics.h"

namespace traceassist::webhook {
namespace {

// Threads that answer connections beyond max_connections with 503.
constexpr std::size_t kShedLaneThreads = 16;

}  // namespace

// The parts in the order they are built; destroyed in reverse, so the listeners (and with them
// every connection) are gone before the routes, the recorder and the pool they use.
class Server::Impl {
 public:
  Impl(ServerConfig config, analytics::UsageSink* sink)
      : config_(std::move(config)),
        pool_(static_cast<std::size_t>(config_.max_connections), kShedLaneThreads),
        recorder_(metrics_, sink),
        router_(config_, sink, metrics_, recorder_, pool_, serving_),
        listeners_(config_, pool_, router_, metrics_, serving_,
                   [this] { recorder_.AbandonUnfinished(); }) {}

  const ServerConfig config_;
  ServerMetrics metrics_;
  ConnectionPool pool_;  // must outlive the listeners' task queues
  RequestRecorder recorder_;
  ServingState serving_;
  Router router_;
  Listeners listeners_;
};

Server::Server(ServerConfig config, analytics::UsageSink* usage_sink)
    : impl_(std::make_unique<Impl>(std::move(config), usage_sink)) {}
Server::~Server() = default;
void Server::Start() { impl_->listeners_.Start(); }
int Server::port() const { return impl_->listeners_.port(); }
int Server::tls_port() const { return impl_->listeners_.tls_port(); }
bool Server::Drain() { return impl_->listeners_.Drain(); }

}  // namespace traceassist::webhook
