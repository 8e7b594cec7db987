#include "server_metrics.h"

#include <fmt/format.h>

namespace traceassist::webhook {
namespace {

const std::vector<double> kRouteBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// The API server's smallest webhook latency bucket is 5 ms: resolve well below it.
const std::vector<double> kAdmissionBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002,
                                               0.003,   0.005,  0.01,    0.025,  0.1,   1};

// Label values come from fixed sets or from the instrument library's codes; escape anyway.
std::string Escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

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

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string_view sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep,
                   bounds_[i], cumulative);
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  // Count and +Inf from the same sum so that the exposition stays self-consistent.
  fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep,
                 cumulative);
  const std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  fmt::format_to(std::back_inserter(out), "{}_sum{} {}\n{}_count{} {}\n", name, braces,
                 sum_micros_.load(std::memory_order_relaxed) / 1e6, name, braces, cumulative);
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

void ServerMetrics::ObjectProcessed(std::string_view outcome, std::string_view language) {
  std::lock_guard lock(mu_);
  ++objects_[{std::string(outcome), std::string(language)}];
}

void ServerMetrics::AdmissionFinished(std::string_view kind, std::string_view operation,
                                      std::string_view outcome, std::string_view reason,
                                      double seconds) {
  admission_latency_.Observe(seconds);
  std::lock_guard lock(mu_);
  ++admissions_[{std::string(kind), std::string(operation), std::string(outcome)}];
  if (!reason.empty()) ++admission_skips_[{std::string(kind), std::string(reason)}];
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
  auto out_it = std::back_inserter(out);
  Header(out, "traceassist_build_info", "gauge", "Version of the running binary.");
  fmt::format_to(out_it, "traceassist_build_info{{version=\"{}\"}} 1\n", TRACEASSIST_VERSION);
  Header(out, "traceassist_ready", "gauge", "1 when /ready answers 200.");
  fmt::format_to(out_it, "traceassist_ready {}\n", gauges.ready ? 1 : 0);
  Header(out, "traceassist_http_requests_in_flight", "gauge", "HTTP requests being handled.");
  fmt::format_to(out_it, "traceassist_http_requests_in_flight {}\n",
                 in_flight_.load(std::memory_order_relaxed));
  Header(out, "traceassist_connections_active", "gauge",
         "Connections being served (each holds a worker thread).");
  fmt::format_to(out_it, "traceassist_connections_active {}\n", gauges.connections_active);
  Header(out, "traceassist_worker_threads", "gauge", "Live connection worker threads.");
  fmt::format_to(out_it, "traceassist_worker_threads {}\n", gauges.worker_threads);
  Header(out, "traceassist_connections_shed_total", "counter",
         "Connections beyond TRACEASSIST_MAX_CONNECTIONS, answered 503.");
  fmt::format_to(out_it, "traceassist_connections_shed_total {}\n", gauges.connections_shed);

  std::lock_guard lock(mu_);
  Header(out, "traceassist_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& [key, count] : requests_) {
    fmt::format_to(out_it, "traceassist_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n",
                   RouteLabel(key.first), key.second, count);
  }
  Header(out, "traceassist_http_request_duration_seconds", "histogram",
         "HTTP request latency by route, from the end of the request headers.");
  for (int i = 0; i < kRouteCount; ++i) {
    route_latency_[i].Render(out, "traceassist_http_request_duration_seconds",
                             fmt::format("route=\"{}\"", RouteLabel(static_cast<Route>(i))));
  }
  Header(out, "traceassist_rate_limited_total", "counter", "Requests refused with 429.");
  fmt::format_to(out_it, "traceassist_rate_limited_total {}\n", rate_limited_);
  Header(out, "traceassist_manifests_processed_total", "counter",
         "Manifests through /workflow/instrument by outcome (changed, unchanged, error).");
  for (const auto& [outcome, count] : manifests_) {
    fmt::format_to(out_it, "traceassist_manifests_processed_total{{outcome=\"{}\"}} {}\n",
                   Escape(outcome), count);
  }
  Header(out, "traceassist_objects_processed_total", "counter",
         "Workload objects in API manifests by outcome and language.");
  for (const auto& [key, count] : objects_) {
    fmt::format_to(out_it,
                   "traceassist_objects_processed_total{{outcome=\"{}\",language=\"{}\"}} {}\n",
                   Escape(key.first), Escape(key.second), count);
  }
  Header(out, "traceassist_admission_reviews_total", "counter",
         "AdmissionReviews by object kind, operation and outcome.");
  for (const auto& [key, count] : admissions_) {
    fmt::format_to(
        out_it,
        "traceassist_admission_reviews_total{{kind=\"{}\",operation=\"{}\",outcome=\"{}\"}} {}\n",
        Escape(std::get<0>(key)), Escape(std::get<1>(key)), Escape(std::get<2>(key)), count);
  }
  Header(out, "traceassist_admission_skipped_total", "counter",
         "AdmissionReviews the policy left unchanged, by object kind and reason code.");
  for (const auto& [key, count] : admission_skips_) {
    fmt::format_to(out_it, "traceassist_admission_skipped_total{{kind=\"{}\",reason=\"{}\"}} {}\n",
                   Escape(key.first), Escape(key.second), count);
  }
  Header(out, "traceassist_admission_duration_seconds", "histogram",
         "Time to decide one AdmissionReview, body read to answer ready.");
  admission_latency_.Render(out, "traceassist_admission_duration_seconds", "");
  Header(out, "traceassist_tls_certificate_reloads_total", "counter",
         "Certificate reloads by result (a failed one keeps the old pair).");
  fmt::format_to(out_it, "traceassist_tls_certificate_reloads_total{{result=\"ok\"}} {}\n",
                 reloads_ok_);
  fmt::format_to(out_it, "traceassist_tls_certificate_reloads_total{{result=\"error\"}} {}\n",
                 reloads_failed_);
}

}  // namespace traceassist::webhook
