// The only thing the server knows of analytics: a sink it hands one event per API call or
// admission. Implementations must never block the caller (enqueue and return) and never throw.
//
// Thread-safe: Record, Health and AppendMetrics are called concurrently from request threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace traceassist::analytics {

struct UsageEvent {
  std::chrono::system_clock::time_point time;
  std::string source;  // "api" | "webhook"
  std::string
      outcome;  // "ok" | "input_error" | "unauthorized" | "too_large" | "internal_error" | ...
  int objects_seen = 0;
  int objects_instrumented = 0;
  std::vector<std::string> languages;  // languages instrumented, e.g. {"java", "python"}
  bool changes_made = false;
  std::chrono::microseconds processing_time{0};
  std::size_t manifest_bytes = 0;
  // Raw caller-supplied identifiers. The sink stores only keyed hashes of them, never the text.
  std::string client_repo;
  std::string deployment_name;
};

enum class SinkState { kOff, kOk, kDegraded };

// Whether analytics in `state` should make the service unready: only when analytics is required and
// not ok.
inline bool AnalyticsBlocksReadiness(SinkState state, bool required) {
  return required && state != SinkState::kOk;
}

// The word /ready shows for `state`: "off", "ok" or "degraded".
inline const char* SinkStateName(SinkState state) {
  switch (state) {
    case SinkState::kOk:
      return "ok";
    case SinkState::kDegraded:
      return "degraded";
    case SinkState::kOff:
      break;
  }
  return "off";
}

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Enqueues a copy of the event; returns at once. Drops (and counts) it when the queue is full.
  virtual void Record(const UsageEvent& event) noexcept = 0;
  virtual SinkState State() const noexcept = 0;
  // Appends Prometheus text exposition lines (with # HELP / # TYPE) for the sink's own metrics.
  virtual void AppendMetrics(std::string& out) const = 0;
  // Flushes what is queued, waiting at most `deadline`; returns the number of events not written.
  virtual std::size_t Shutdown(std::chrono::milliseconds deadline) noexcept = 0;
};

}  // namespace traceassist::analytics
