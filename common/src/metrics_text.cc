#include "traceassist/common/metrics_text.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <limits>

namespace traceassist::common {
namespace {

prometheus::ClientMetric WithLabels(const MetricLabels& labels) {
  prometheus::ClientMetric metric;
  metric.label.reserve(labels.size());
  for (const auto& [name, value] : labels) {
    metric.label.push_back({std::string(name), std::string(value)});
  }
  return metric;
}

prometheus::MetricFamily Family(std::string_view name, std::string_view help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::string(name);
  family.help = std::string(help);
  family.type = type;
  return family;
}

}  // namespace

MetricsText::MetricsText() = default;
MetricsText::~MetricsText() = default;

void MetricsText::Counter(std::string_view name, std::string_view help) {
  families_.push_back(Family(name, help, prometheus::MetricType::Counter));
}

void MetricsText::Gauge(std::string_view name, std::string_view help) {
  families_.push_back(Family(name, help, prometheus::MetricType::Gauge));
}

void MetricsText::Histogram(std::string_view name, std::string_view help) {
  families_.push_back(Family(name, help, prometheus::MetricType::Histogram));
}

void MetricsText::Sample(double value, const MetricLabels& labels) {
  prometheus::ClientMetric metric = WithLabels(labels);
  if (families_.back().type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  families_.back().metric.push_back(std::move(metric));
}

void MetricsText::Series(const std::vector<double>& bounds,
                         const std::vector<std::uint64_t>& buckets, double sum,
                         const MetricLabels& labels) {
  prometheus::ClientMetric metric = WithLabels(labels);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i];
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    metric.histogram.bucket.push_back(bucket);
  }
  // Count and +Inf from the same sum, so that the exposition stays self-consistent.
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = sum;
  families_.back().metric.push_back(std::move(metric));
}

void MetricsText::AppendTo(std::string& out) const {
  out += prometheus::TextSerializer().Serialize(families_);
}

}  // namespace traceassist::common
