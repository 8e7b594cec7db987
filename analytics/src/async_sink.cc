#include "async_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "analytics_log.h"
#include "traceassist/common/metrics_text.h"

namespace traceassist::analytics {

namespace {
using Clock = std::chrono::steady_clock;

// Number of times in a row the database may refuse one batch (not a connection failure) before the
// batch is given up, counted and logged: otherwise one bad row would block the queue for good.
constexpr int kMaxRefusals = 3;
}  // namespace

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))), max_(std::max(max, initial_)) {}

std::chrono::milliseconds ReconnectBackoff::Next() {
  std::chrono::milliseconds delay = initial_;
  for (int i = 0; i < attempt_ && delay < max_; ++i) delay *= 2;
  delay = std::min(delay, max_);
  ++attempt_;
  std::uniform_int_distribution<long long> jitter(delay.count() / 2, delay.count());
  return std::chrono::milliseconds(jitter(generator_));
}

AsyncUsageSink::AsyncUsageSink(const AnalyticsConfig& config, std::unique_ptr<EventStore> store,
                               Pseudonymizer pseudonymizer)
    : config_(config),
      store_(std::move(store)),
      pseudonymizer_(std::move(pseudonymizer)),
      writer_([this] { RunWriter(); }) {}

AsyncUsageSink::~AsyncUsageSink() { Shutdown(std::chrono::seconds(1)); }

void AsyncUsageSink::Record(const UsageEvent& event) noexcept {
  // The request path only copies the event into the queue: pseudonyms and row conversion happen on
  // the writer thread.
  bool wake = false;
  try {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ || queue_.size() + in_flight_ >= config_.queue_capacity) {
        ++dropped_;
        return;
      }
      queue_.Push(event);
      ++enqueued_;
      // The writer waits only for a first event, or for a full batch while it lingers.
      wake = queue_.size() == 1 || queue_.size() == config_.batch_size;
    }
    if (wake) wake_.notify_one();
  } catch (...) {
    ++dropped_;  // out of memory: counted like a full queue
  }
}

SinkState AsyncUsageSink::State() const noexcept {
  return connected_.load() ? SinkState::kOk : SinkState::kDegraded;
}

bool AsyncUsageSink::ShouldExit() const {
  if (!stopping_) return false;
  return (queue_.empty() && in_flight_ == 0) || Clock::now() >= stop_deadline_;
}

void AsyncUsageSink::ObserveBatch(Clock::duration elapsed) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  const double seconds = static_cast<double>(micros) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kBatchBuckets.size() && seconds > kBatchBuckets[bucket]) ++bucket;
  ++batch_buckets_[bucket];
  batch_sum_us_ += static_cast<std::uint64_t>(micros);
}

void AsyncUsageSink::RunWriter() {
  ReconnectBackoff backoff(config_.backoff_initial, config_.backoff_max);
  // Both reused from batch to batch, so that the writer does not allocate in steady state (it
  // shares malloc's arenas with the request threads).
  std::vector<UsageEvent> taken;  // just taken from the queue
  std::vector<StoredEvent> rows;  // the first `pending` are the batch being written
  std::size_t pending = 0;
  bool connected = false;
  bool stop_noticed = false;
  std::uint64_t failed_connects = 0;
  int refusals = 0;
  Clock::time_point next_retention = Clock::now();

  // Waits until `until` (never past the stop deadline) or until `ready` holds; mutex_ held.
  auto wait = [&](std::unique_lock<std::mutex>& lock, Clock::time_point until, auto ready) {
    wake_.wait_until(lock, until, [&] {
      if (stopping_ && Clock::now() >= stop_deadline_) return true;
      if (stopping_ && !stop_noticed) return true;
      return ready();
    });
    if (stopping_ && !stop_noticed) {
      stop_noticed = true;
      backoff.Reset();  // shutting down: retry at once, and quickly
    }
  };

  std::unique_lock<std::mutex> lock(mutex_);
  while (!ShouldExit()) {
    if (!connected) {
      lock.unlock();
      try {
        store_->Connect();
        connected = true;
        connected_ = true;
        backoff.Reset();
        Log(LogLevel::kInfo, "connected to PostgreSQL", {{"failed_attempts", failed_connects}});
        failed_connects = 0;
      } catch (const std::exception& e) {
        ++connect_failures_;
        if (failed_connects++ == 0) {
          Log(LogLevel::kWarn, "PostgreSQL unavailable; events stay queued, retrying",
              {{"error", e.what()}});
        } else {
          Log(LogLevel::kDebug, "reconnect failed",
              {{"attempt", failed_connects}, {"error", e.what()}});
        }
      }
      lock.lock();
      if (!connected) {
        const auto delay = backoff.Next();
        wait(lock, Clock::now() + delay, [] { return false; });
        continue;
      }
    }

    const bool retention_on = config_.retention_days > 0;
    bool popped = false;
    if (pending == 0) {
      if (queue_.empty()) {
        if (stopping_) break;
        wait(lock, retention_on ? next_retention : Clock::time_point::max(),
             [&] { return !queue_.empty(); });
      }
      // Let the batch fill a little: a transaction per event would cost the database far more
      // than the rows themselves.
      if (!queue_.empty() && queue_.size() < config_.batch_size && !stopping_) {
        wait(lock, Clock::now() + config_.batch_linger,
             [&] { return queue_.size() >= config_.batch_size; });
      }
      queue_.Pop(std::max<std::size_t>(config_.batch_size, 1), taken);
      in_flight_ = taken.size();
      popped = true;
    }
    const bool stopping = stopping_;
    lock.unlock();

    if (popped) {
      try {
        if (rows.size() < taken.size()) rows.resize(taken.size());
        for (; pending < taken.size(); ++pending) {
          ToStoredEvent(taken[pending], pseudonymizer_, rows[pending]);
        }
      } catch (const std::exception& e) {
        rejected_ += taken.size() - pending;
        Log(LogLevel::kError, "could not prepare events; not stored",
            {{"events", taken.size() - pending}, {"error", e.what()}});
      }
    }

    if (pending > 0) {
      const auto start = Clock::now();
      try {
        store_->Insert(std::span<const StoredEvent>(rows.data(), pending));
        ObserveBatch(Clock::now() - start);
        written_ += pending;
        pending = 0;
        refusals = 0;
      } catch (const StoreUnavailable& e) {
        Log(LogLevel::kWarn, "lost the PostgreSQL connection; events stay queued, retrying",
            {{"error", e.what()}});
        connected = false;
      } catch (const std::exception& e) {
        connected = false;  // start again from a fresh connection
        if (++refusals >= kMaxRefusals) {
          rejected_ += pending;
          Log(LogLevel::kError, "PostgreSQL refused a batch; events not stored",
              {{"tries", refusals}, {"events", pending}, {"error", e.what()}});
          pending = 0;
          refusals = 0;
        } else {
          Log(LogLevel::kWarn, "PostgreSQL refused a batch; retrying", {{"error", e.what()}});
        }
      }
    }

    if (connected && retention_on && !stopping && Clock::now() >= next_retention) {
      next_retention = Clock::now() + config_.retention_interval;
      try {
        const std::size_t deleted = store_->DeleteOlderThanDays(config_.retention_days);
        retention_deleted_ += deleted;
        if (deleted > 0) {
          Log(LogLevel::kInfo, "deleted expired events",
              {{"events", deleted}, {"retention_days", config_.retention_days}});
        }
      } catch (const std::exception& e) {
        Log(LogLevel::kWarn, "retention delete failed; will retry", {{"error", e.what()}});
        connected = false;
      }
    }

    if (!connected) {
      connected_ = false;
      store_->Disconnect();
    }
    lock.lock();
    in_flight_ = pending;
  }

  unwritten_at_shutdown_ = queue_.size() + pending;
  in_flight_ = pending;
  writer_exited_ = true;
  lock.unlock();
  connected_ = false;
  store_->Disconnect();
  writer_done_.notify_all();
}

std::size_t AsyncUsageSink::Shutdown(std::chrono::milliseconds deadline) noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  const bool first = !stopping_;
  if (first) {
    stopping_ = true;
    stop_deadline_ = Clock::now() + deadline;
  }
  wake_.notify_all();
  writer_done_.wait(lock, [this] { return writer_exited_; });
  const std::size_t unwritten = unwritten_at_shutdown_.value_or(0);
  lock.unlock();
  if (first) {
    if (writer_.joinable()) writer_.join();
    if (unwritten > 0) {
      Log(LogLevel::kError, "events not written before the shutdown deadline",
          {{"events", unwritten}, {"written", written_.load()}});
    } else {
      Log(LogLevel::kInfo, "all events written", {{"written", written_.load()}});
    }
  }
  return unwritten;
}

void AsyncUsageSink::AppendMetrics(std::string& out) const {
  std::size_t depth = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    depth = queue_.size() + in_flight_;
  }
  common::MetricsText text;
  auto counter = [&text](const char* name, const char* help, std::uint64_t value) {
    text.Counter(name, help);
    text.Sample(static_cast<double>(value));
  };
  auto gauge = [&text](const char* name, const char* help, std::uint64_t value) {
    text.Gauge(name, help);
    text.Sample(static_cast<double>(value));
  };
  counter("traceassist_analytics_enqueued_total", "Usage events accepted into the queue.",
          enqueued_.load());
  counter("traceassist_analytics_written_total", "Usage events written to PostgreSQL.",
          written_.load());
  counter("traceassist_analytics_dropped_total",
          "Usage events dropped because the queue was full (or the sink was shutting down).",
          dropped_.load());
  counter("traceassist_analytics_rejected_total",
          "Usage events PostgreSQL refused to store (after retries).", rejected_.load());
  counter("traceassist_analytics_connect_failures_total",
          "Failed attempts to connect to PostgreSQL.", connect_failures_.load());
  counter("traceassist_analytics_retention_deleted_total",
          "Usage events deleted by the retention policy.", retention_deleted_.load());
  gauge("traceassist_analytics_queue_depth", "Usage events held in memory, not yet written.",
        depth);
  gauge("traceassist_analytics_queue_capacity", "Usage events the queue holds at most.",
        config_.queue_capacity);
  gauge("traceassist_analytics_connected", "1 when connected to PostgreSQL, else 0.",
        connected_.load() ? 1 : 0);
  text.Histogram("traceassist_analytics_batch_seconds", "Time to write one batch to PostgreSQL.");
  std::vector<std::uint64_t> buckets(batch_buckets_.size());
  for (std::size_t i = 0; i < batch_buckets_.size(); ++i) buckets[i] = batch_buckets_[i].load();
  text.Series({kBatchBuckets.begin(), kBatchBuckets.end()}, buckets,
              static_cast<double>(batch_sum_us_.load()) / 1e6);
  text.AppendTo(out);
}

}  // namespace traceassist::analytics
