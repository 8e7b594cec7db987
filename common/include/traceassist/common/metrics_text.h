// Prometheus text exposition through prometheus-cpp's data model and TextSerializer (Debian's
// prometheus-cpp-dev, core library). Callers keep their own lock-free counters on the hot path and
// describe them here only when /metrics is scraped; labels are written in the order given (tests
// and dashboards read `route` before `code`), which a prometheus::Registry (sorted labels) would
// not keep.
//
// Not thread-safe: build one per scrape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace traceassist::common {

using MetricLabels = std::vector<std::pair<std::string_view, std::string_view>>;

class MetricsText {
 public:
  MetricsText();
  ~MetricsText();
  MetricsText(const MetricsText&) = delete;
  MetricsText& operator=(const MetricsText&) = delete;

  // Starts a family; the samples added next belong to it.
  void Counter(std::string_view name, std::string_view help);
  void Gauge(std::string_view name, std::string_view help);
  void Histogram(std::string_view name, std::string_view help);

  // One sample of the current counter or gauge family.
  void Sample(double value, const MetricLabels& labels = {});
  // One series of the current histogram family: `buckets[i]` observations fell at or below
  // `bounds[i]` (not cumulative), `buckets.back()` above the last bound; `sum` in the unit.
  void Series(const std::vector<double>& bounds, const std::vector<std::uint64_t>& buckets,
              double sum, const MetricLabels& labels = {});

  // Appends the exposition of every family added so far.
  void AppendTo(std::string& out) const;

 private:
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace traceassist::common
