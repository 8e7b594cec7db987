// The server's Prometheus metrics: HTTP requests by route and status, a latency histogram per
// route, in-flight requests, manifests and objects processed (and API skips by reason code),
// admissions by kind/operation/outcome and the policy's skips by kind/reason, with a latency
// histogram that resolves well below 5 ms, certificate reloads and the serving certificate's
// expiry, the time of the last admission review, build info and the standard process_* metrics.
// Rendered through prometheus-cpp's text serializer (common/metrics_text.h; checked by `promtool
// check metrics` in the tests); recording stays lock-free or one short critical section.
//
// Thread-safety: every method is thread-safe; recording is a short critical section or an atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "traceassist/common/metrics_text.h"

namespace traceassist::webhook {

// The routes the server knows; everything else is kOther (labels stay a small fixed set).
enum class Route { kInstrument, kMutate, kHealth, kReady, kMetrics, kOther };
inline constexpr int kRouteCount = 6;
std::string_view RouteLabel(Route route);
Route RouteOf(std::string_view path);

// A histogram with fixed upper bounds (seconds).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double seconds);
  // Adds this series to the current histogram family of `text`.
  void AddTo(common::MetricsText& text, const common::MetricLabels& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // non-cumulative; +Inf last
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

class ServerMetrics {
 public:
  ServerMetrics();

  void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void RequestFinished(Route route, int status, double seconds);
  // One manifest through /workflow/instrument: outcome is changed | unchanged | error.
  void ManifestProcessed(std::string_view outcome);
  // One object: outcome is the report status (instrumented, unchanged, skipped, ...).
  void ObjectProcessed(std::string_view outcome, std::string_view language, int count = 1);
  // `count` objects the policy skipped in API manifests, under their first reason code, recorded
  // as instrument::ReasonLabel (a code of the reason table or "other": the label stays bounded).
  void ObjectSkipped(std::string_view reason, int count = 1);
  // `reason` is the policy's reason code for a skip (AdmissionOutcome::reason), or empty; recorded
  // as instrument::ReasonLabel, so the label takes only the reason table's codes or "other".
  void AdmissionFinished(std::string_view kind, std::string_view operation,
                         std::string_view outcome, std::string_view reason, double seconds);
  void CertificateReload(bool ok);
  // The serving certificate now in use expires at `not_after` (Unix seconds): at start and after
  // each reload.
  void CertificateInUse(std::int64_t not_after) {
    certificate_not_after_.store(not_after, std::memory_order_relaxed);
  }
  void RateLimited();

  // Appends the whole exposition. The gauges that belong to other components are passed in.
  struct Gauges {
    bool ready = false;
    std::uint64_t connections_active = 0;
    std::uint64_t worker_threads = 0;
    std::uint64_t connections_shed = 0;
  };
  void Render(std::string& out, const Gauges& gauges) const;

 private:
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> certificate_not_after_{0};  // 0: no TLS
  std::atomic<double> last_admission_{0};               // Unix seconds; 0: none yet
  std::deque<Histogram> route_latency_;  // by Route (a deque: histograms do not move)
  Histogram admission_latency_;
  mutable std::mutex mu_;
  std::map<std::pair<Route, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t, std::less<>> manifests_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> objects_;
  std::map<std::string, std::uint64_t, std::less<>> object_skips_;  // by reason
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> admissions_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> admission_skips_;  // kind, reason
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  std::uint64_t rate_limited_ = 0;
};

}  // namespace traceassist::webhook
