#include "connection_pool.h"

#include <chrono>
#include <list>
#include <thread>

namespace traceassist::webhook {
namespace {

thread_local bool tls_in_shed_lane = false;

}  // namespace

// Forwards one listener's connections to the shared pool and counts those still running, so that
// the listener's shutdown (after Server::stop) waits for exactly its own in-flight connections.
class ConnectionPool::ListenerQueue : public httplib::TaskQueue {
 public:
  ListenerQueue(ConnectionPool& pool, std::function<void()> before_connection,
                std::function<void()> after_connection)
      : pool_(pool),
        before_connection_(std::move(before_connection)),
        after_connection_(std::move(after_connection)) {}

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      ++outstanding_;
    }
    pool_.Submit([this, fn = std::move(fn)] {
      if (before_connection_) before_connection_();
      fn();
      if (after_connection_) after_connection_();
      std::lock_guard lock(mu_);
      if (--outstanding_ == 0) done_cv_.notify_all();
    });
  }

  void shutdown() override {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [this] { return outstanding_ == 0; });
  }

 private:
  ConnectionPool& pool_;
  const std::function<void()> before_connection_;
  const std::function<void()> after_connection_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  std::size_t outstanding_ = 0;
};

ConnectionPool::ConnectionPool(std::size_t max_connections, std::size_t shed_lane_threads,
                               std::chrono::milliseconds idle_retire)
    : idle_retire_(idle_retire) {
  main_.cap = max_connections;
  shed_.cap = shed_lane_threads;
  shed_.shed = true;
}

ConnectionPool::~ConnectionPool() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  main_.work_cv.notify_all();
  shed_.work_cv.notify_all();
  space_cv_.notify_all();
  exit_cv_.wait(lock, [this] { return main_.threads == 0 && shed_.threads == 0; });
  std::list<std::thread> workers = std::move(workers_);
  lock.unlock();
  // Joined, not only counted: a returning thread still runs its thread-local destructors
  // (OpenSSL's per-thread cleanup takes library locks that its exit-time cleanup frees).
  for (auto& worker : workers) worker.join();
}

httplib::TaskQueue* ConnectionPool::NewListenerQueue(std::function<void()> before_connection,
                                                     std::function<void()> after_connection) {
  return new ListenerQueue(*this, std::move(before_connection), std::move(after_connection));
}

bool ConnectionPool::InShedLane() { return tls_in_shed_lane; }

std::size_t ConnectionPool::active_connections() const {
  std::lock_guard lock(mu_);
  return main_.active;
}

std::size_t ConnectionPool::threads() const {
  std::lock_guard lock(mu_);
  return main_.threads + shed_.threads;
}

std::uint64_t ConnectionPool::shed_connections() const {
  std::lock_guard lock(mu_);
  return shed_total_;
}

void ConnectionPool::Submit(std::function<void()> job) {
  std::unique_lock lock(mu_);
  // Runs on the listener's accept thread: waiting here is the back-pressure when both lanes are
  // full.
  space_cv_.wait(
      lock, [this] { return stopping_ || main_.active < main_.cap || shed_.active < shed_.cap; });
  Lane& lane = main_.active < main_.cap ? main_ : shed_;
  if (lane.shed) ++shed_total_;
  ++lane.active;
  lane.jobs.push_back(std::move(job));
  // Every queued job has a thread of its own waiting or about to start: nothing waits behind a
  // connection that is slow.
  if (lane.jobs.size() > lane.idle) {
    StartThread(lane);
  } else {
    lane.work_cv.notify_one();
  }
}

void ConnectionPool::StartThread(Lane& lane) {
  const auto self = workers_.emplace(workers_.end());
  try {
    *self = std::thread([this, &lane, self] { WorkerLoop(lane, self); });
  } catch (...) {
    workers_.erase(self);
    throw;
  }
  ++lane.threads;  // the thread needs the lock, held here, before it can count itself out
}

void ConnectionPool::WorkerLoop(Lane& lane, std::list<std::thread>::iterator self) {
  tls_in_shed_lane = lane.shed;
  std::unique_lock lock(mu_);
  while (true) {
    ++lane.idle;
    const bool got =
        lane.work_cv.wait_for(lock, idle_retire_, [&] { return stopping_ || !lane.jobs.empty(); });
    --lane.idle;
    if (!got || lane.jobs.empty()) break;  // idle for a minute, or stopping with nothing queued
    std::function<void()> job = std::move(lane.jobs.front());
    lane.jobs.pop_front();
    lock.unlock();
    job();
    job = nullptr;
    lock.lock();
    --lane.active;
    space_cv_.notify_all();
  }
  // A retiring thread joins the one that retired before it and leaves itself to the next (or to
  // the destructor): at most one finished thread is ever waiting to be joined, so the stacks of a
  // burst's threads are given back as they retire.
  std::thread previous;
  if (!stopping_) {
    if (retired_) {
      previous = std::move(**retired_);
      workers_.erase(*retired_);
    }
    retired_ = self;
  }
  --lane.threads;
  exit_cv_.notify_all();  // with the lock held: the destructor cannot finish before we let go
  lock.unlock();
  if (previous.joinable()) previous.join();  // past its loop: only thread-local cleanup is left
}

}  // namespace traceassist::webhook
