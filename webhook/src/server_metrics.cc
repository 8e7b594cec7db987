#include "server_metrics.h"

#include <chrono>

#include "process_metrics.h"
#include "traceassist/instrument/reason.h"

namespace traceassist::webhook {
namespace {

const std::vector<double> kRouteBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// The API server's smallest webhook latency bucket is 5 ms: resolve well below it.
const std::vector<double> kAdmissionBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002,
                                               0.003,   0.005,  0.01,    0.025,  0.1,   1};

}  // namespace

std::string_view RouteLabel(Route route) {
  switch (route) {
    case Route::kInstrument:
      return "/workflow/instrument";
    case Route::kMutate:
      return "/mutate";
    case Route::kHealth:
      return "/health";
    case Route::kReady:
      return "/ready";
    case Route::kMetrics:
      return "/metrics";
    case Route::kOther:
      break;
  }
  return "other";
}

Route RouteOf(std::string_view path) {
  if (path == "/workflow/instrument") return Route::kInstrument;
  if (path == "/mutate") return Route::kMutate;
  if (path == "/health") return Route::kHealth;
  if (path == "/ready") return Route::kReady;
  if (path == "/metrics") return Route::kMetrics;
  return Route::kOther;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

void Histogram::Observe(double seconds) {
  std::size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::AddTo(common::MetricsText& text, const common::MetricLabels& labels) const {
  std::vector<std::uint64_t> buckets(buckets_.size());
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  text.Series(bounds_, buckets, sum_micros_.load(std::memory_order_relaxed) / 1e6, labels);
}

ServerMetrics::ServerMetrics() : admission_latency_(kAdmissionBuckets) {
  for (int i = 0; i < kRouteCount; ++i) route_latency_.emplace_back(kRouteBuckets);
}

void ServerMetrics::RequestFinished(Route route, int status, double seconds) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  route_latency_[static_cast<int>(route)].Observe(seconds);
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
}

void ServerMetrics::ManifestProcessed(std::string_view outcome) {
  std::lock_guard lock(mu_);
  auto it = manifests_.find(outcome);
  if (it == manifests_.end()) it = manifests_.emplace(std::string(outcome), 0).first;
  ++it->second;
}

void ServerMetrics::ObjectProcessed(std::string_view outcome, std::string_view language,
                                    int count) {
  std::lock_guard lock(mu_);
  objects_[{std::string(outcome), std::string(language)}] += count;
}

void ServerMetrics::ObjectSkipped(std::string_view reason, int count) {
  // A skip always counts: one without a code (none is known to happen) as "other".
  const std::string_view label = reason.empty() ? "other" : instrument::ReasonLabel(reason);
  std::lock_guard lock(mu_);
  auto it = object_skips_.find(label);
  if (it == object_skips_.end()) it = object_skips_.emplace(std::string(label), 0).first;
  it->second += count;
}

void ServerMetrics::AdmissionFinished(std::string_view kind, std::string_view operation,
                                      std::string_view outcome, std::string_view reason,
                                      double seconds) {
  admission_latency_.Observe(seconds);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  last_admission_.store(std::chrono::duration<double>(now).count(), std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  ++admissions_[{std::string(kind), std::string(operation), std::string(outcome)}];
  const std::string_view label = instrument::ReasonLabel(reason);
  if (!label.empty()) ++admission_skips_[{std::string(kind), std::string(label)}];
}

void ServerMetrics::CertificateReload(bool ok) {
  std::lock_guard lock(mu_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

void ServerMetrics::RateLimited() {
  std::lock_guard lock(mu_);
  ++rate_limited_;
}

void ServerMetrics::Render(std::string& out, const Gauges& gauges) const {
  common::MetricsText text;
  text.Gauge("traceassist_build_info", "Version of the running binary.");
  text.Sample(1, {{"version", TRACEASSIST_VERSION}});
  text.Gauge("traceassist_ready", "1 when /ready answers 200.");
  text.Sample(gauges.ready ? 1 : 0);
  text.Gauge("traceassist_http_requests_in_flight", "HTTP requests being handled.");
  text.Sample(static_cast<double>(in_flight_.load(std::memory_order_relaxed)));
  text.Gauge("traceassist_connections_active",
             "Connections being served (each holds a worker thread).");
  text.Sample(static_cast<double>(gauges.connections_active));
  text.Gauge("traceassist_worker_threads", "Live connection worker threads.");
  text.Sample(static_cast<double>(gauges.worker_threads));
  text.Counter("traceassist_connections_shed_total",
               "Connections beyond TRACEASSIST_MAX_CONNECTIONS, answered 503.");
  text.Sample(static_cast<double>(gauges.connections_shed));
  // /ready stays about this pod; an alert compares this with the workloads the API server created.
  text.Gauge("traceassist_admission_last_review_timestamp_seconds",
             "Unix time of the last AdmissionReview received (0: none since start).");
  text.Sample(last_admission_.load(std::memory_order_relaxed));
  if (const std::int64_t not_after = certificate_not_after_.load(std::memory_order_relaxed)) {
    text.Gauge("traceassist_tls_certificate_expiry_timestamp_seconds",
               "notAfter of the serving certificate in use, Unix time.");
    text.Sample(static_cast<double>(not_after));
  }
  AppendProcessMetrics(text);

  std::lock_guard lock(mu_);
  text.Counter("traceassist_http_requests_total", "HTTP requests by route and status.");
  for (const auto& [key, count] : requests_) {
    const std::string code = std::to_string(key.second);
    text.Sample(static_cast<double>(count), {{"route", RouteLabel(key.first)}, {"code", code}});
  }
  text.Histogram("traceassist_http_request_duration_seconds",
                 "HTTP request latency by route, from the end of the request headers.");
  for (int i = 0; i < kRouteCount; ++i) {
    route_latency_[i].AddTo(text, {{"route", RouteLabel(static_cast<Route>(i))}});
  }
  text.Counter("traceassist_rate_limited_total", "Requests refused with 429.");
  text.Sample(static_cast<double>(rate_limited_));
  text.Counter("traceassist_manifests_processed_total",
               "Manifests through /workflow/instrument by outcome (changed, unchanged, error).");
  for (const auto& [outcome, count] : manifests_) {
    text.Sample(static_cast<double>(count), {{"outcome", outcome}});
  }
  text.Counter("traceassist_objects_processed_total",
               "Workload objects in API manifests by outcome and language.");
  for (const auto& [key, count] : objects_) {
    text.Sample(static_cast<double>(count), {{"outcome", key.first}, {"language", key.second}});
  }
  text.Counter("traceassist_objects_skipped_total",
               "Workload objects in API manifests the policy skipped, by reason code.");
  for (const auto& [reason, count] : object_skips_) {
    text.Sample(static_cast<double>(count), {{"reason", reason}});
  }
  text.Counter("traceassist_admission_reviews_total",
               "AdmissionReviews by object kind, operation and outcome.");
  for (const auto& [key, count] : admissions_) {
    text.Sample(static_cast<double>(count), {{"kind", std::get<0>(key)},
                                             {"operation", std::get<1>(key)},
                                             {"outcome", std::get<2>(key)}});
  }
  text.Counter("traceassist_admission_skipped_total",
               "AdmissionReviews the policy left unchanged, by object kind and reason code.");
  for (const auto& [key, count] : admission_skips_) {
    text.Sample(static_cast<double>(count), {{"kind", key.first}, {"reason", key.second}});
  }
  text.Histogram("traceassist_admission_duration_seconds",
                 "Time to decide one AdmissionReview, body read to answer ready.");
  admission_latency_.AddTo(text, {});
  text.Counter("traceassist_tls_certificate_reloads_total",
               "Certificate reloads by result (a failed one keeps the old pair).");
  text.Sample(static_cast<double>(reloads_ok_), {{"result", "ok"}});
  text.Sample(static_cast<double>(reloads_failed_), {{"result", "error"}});
  text.AppendTo(out);
}

}  // namespace traceassist::webhook
