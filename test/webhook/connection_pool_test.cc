// The server's connection pool (connection_pool.h): a burst gets a thread per connection, and the
// threads are given back (joined, their stacks freed) as they retire, not only at shutdown.
#include "connection_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <latch>
#include <memory>
#include <thread>

namespace {

using traceassist::webhook::ConnectionPool;

// Threads of this process that still exist (a thread that returned but was not joined is one).
long ProcessThreads() {
  long n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

// Polls `done` for up to five seconds.
template <typename Done>
bool Eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("the connection pool gives back a burst's threads as they retire") {
  constexpr int kBurst = 48;
  // A first thread makes a sanitizer's runtime start its own background thread (TSan does).
  std::thread([] {}).join();
  const long before = ProcessThreads();
  {
    ConnectionPool pool(1024, 4, std::chrono::milliseconds(50));
    std::unique_ptr<httplib::TaskQueue> queue(pool.NewListenerQueue(nullptr, nullptr));
    std::latch all_running(kBurst);
    std::atomic<long> peak = 0;  // threads seen while every job was running
    for (int i = 0; i < kBurst; ++i) {
      queue->enqueue([&all_running, &peak] {
        all_running.arrive_and_wait();
        const long seen = ProcessThreads();
        long known = peak.load();
        while (seen > known && !peak.compare_exchange_weak(known, seen)) {
        }
      });
    }
    queue->shutdown();  // every job has run: each had a thread of its own, all at once
    CHECK(peak.load() >= before + kBurst);
    REQUIRE(Eventually([&pool] { return pool.threads() == 0; }));
    // Retired threads are joined as they go; the last one waits for the next (or the destructor).
    CHECK(Eventually([before] { return ProcessThreads() <= before + 1; }));
    CHECK(ProcessThreads() <= before + 1);
    // The pool still serves after its threads retired.
    std::latch ran(1);
    queue->enqueue([&ran] { ran.count_down(); });
    ran.wait();
    queue->shutdown();
  }
  CHECK(ProcessThreads() == before);  // the destructor joined the rest
}
