// The capacity model of the server (cpp-httplib pins one worker thread per open connection, its own
// ThreadPool has a fixed size and an unbounded queue, and TaskQueue::enqueue cannot refuse work).
//
// ConnectionPool gives every accepted connection its own thread, up to `max_connections` at once,
// so idle keep-alive clients and stalled half-requests never starve new clients (each is bounded by
// the read / keep-alive timeouts). Threads are started on demand and retire after an idle minute,
// so memory follows the load. Connections beyond the cap run in a small "shed lane" whose handler
// answers 503 with Retry-After and closes (InShedLane() tells the routing layer). When the shed
// lane is full too, the accept loop waits for a free slot: the kernel's listen backlog then pushes
// back on clients, instead of an unbounded in-process queue.
//
// Thread-safety: all methods are thread-safe. The pool must outlive the listeners' task queues.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace traceassist::webhook {

class ConnectionPool {
 public:
  // Threads idle for `idle_retire` exit.
  ConnectionPool(std::size_t max_connections, std::size_t shed_lane_threads,
                 std::chrono::milliseconds idle_retire = std::chrono::seconds(60));
  ~ConnectionPool();  // stops idle threads and joins every thread
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A task queue for one httplib listener (install with `server.new_task_queue`). Its shutdown()
  // waits until the connections that listener handed over are finished. `before_connection` and
  // `after_connection` (either may be empty) run on the worker thread before each connection is
  // served and once it is closed.
  httplib::TaskQueue* NewListenerQueue(std::function<void()> before_connection,
                                       std::function<void()> after_connection);

  // True on a thread that is serving a connection beyond the cap.
  static bool InShedLane();

  std::size_t active_connections() const;  // being served (not counting the shed lane)
  std::size_t threads() const;             // live worker threads, both lanes
  std::uint64_t shed_connections() const;  // connections ever sent to the shed lane

 private:
  class ListenerQueue;
  struct Lane {
    std::deque<std::function<void()>> jobs;
    std::size_t cap = 0;      // connections in the lane (queued + running) at most
    std::size_t active = 0;   // queued + running
    std::size_t idle = 0;     // threads waiting for a job
    std::size_t threads = 0;  // live threads
    bool shed = false;
    std::condition_variable work_cv;  // a job was queued in this lane, or stopping
  };

  void Submit(std::function<void()> job);
  void StartThread(Lane& lane);  // lock held
  void WorkerLoop(Lane& lane, std::list<std::thread>::iterator self);

  mutable std::mutex mu_;
  std::condition_variable space_cv_;  // a lane slot was freed
  std::condition_variable exit_cv_;   // a thread returned
  Lane main_;
  Lane shed_;
  const std::chrono::milliseconds idle_retire_;
  std::list<std::thread> workers_;                           // every thread started, until joined
  std::optional<std::list<std::thread>::iterator> retired_;  // the last thread that retired
  std::uint64_t shed_total_ = 0;
  bool stopping_ = false;
};

}  // namespace traceassist::webhook
