// The UsageSink the server gets when analytics is on: Record() appends the event to a bounded
// in-memory queue; one background thread turns events into rows (pseudonyms, tokens) and writes
// them in batches to an EventStore, reconnecting with capped exponential backoff and jitter while
// the store is away, and deletes expired rows now and then.
//
// Thread-safety: Record, State and AppendMetrics may be called from any thread at any time;
// Shutdown from one thread (further calls return the same count). Record never waits on the store.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "event_queue.h"
#include "event_store.h"
#include "pseudonym.h"
#include "traceassist/analytics/postgres_sink.h"
#include "traceassist/analytics/usage_sink.h"

namespace traceassist::analytics {

// Exponential backoff with "equal jitter": the n-th delay is uniformly drawn from
// [d/2, d] where d = min(initial * 2^n, max). Not thread-safe.
class ReconnectBackoff {
 public:
  ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  int attempt_ = 0;
  std::mt19937_64 generator_{std::random_device{}()};
};

class AsyncUsageSink final : public UsageSink {
 public:
  // Starts the writer thread at once; it connects in the background.
  AsyncUsageSink(const AnalyticsConfig& config, std::unique_ptr<EventStore> store,
                 Pseudonymizer pseudonymizer);
  // Shuts down with no deadline to speak of (1 s) if Shutdown was not called.
  ~AsyncUsageSink() override;

  void Record(const UsageEvent& event) noexcept override;
  SinkState State() const noexcept override;
  void AppendMetrics(std::string& out) const override;
  std::size_t Shutdown(std::chrono::milliseconds deadline) noexcept override;

 private:
  void RunWriter();
  bool ShouldExit() const;  // mutex_ held
  void ObserveBatch(std::chrono::steady_clock::duration elapsed);

  const AnalyticsConfig config_;
  const std::unique_ptr<EventStore> store_;
  Pseudonymizer pseudonymizer_;  // writer thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;         // writer: work, stop, deadline
  std::condition_variable writer_done_;  // Shutdown: writer exited
  EventQueue queue_;                     // guarded by mutex_
  std::size_t in_flight_ = 0;            // guarded: events taken by the writer, not yet written
  bool stopping_ = false;                // guarded
  bool writer_exited_ = false;           // guarded
  std::optional<std::size_t> unwritten_at_shutdown_;     // guarded
  std::chrono::steady_clock::time_point stop_deadline_;  // guarded

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> enqueued_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> rejected_{0};  // batches the database refused after retries
  std::atomic<std::uint64_t> connect_failures_{0};
  std::atomic<std::uint64_t> retention_deleted_{0};

  static constexpr std::array<double, 12> kBatchBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1,    2.5,   5};
  std::array<std::atomic<std::uint64_t>, kBatchBuckets.size() + 1> batch_buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> batch_sum_us_{0};

  std::thread writer_;  // last: starts after everything above is built
};

}  // namespace traceassist::analytics
