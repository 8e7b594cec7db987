// Read side of analytics for `traceassist analytics summary`: aggregate queries over usage_events
// (summaries are queries; nothing is rolled up or stored).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace traceassist::analytics {

struct UsageSummary {
  struct DayRow {
    std::string day;     // YYYY-MM-DD (UTC)
    std::string source;  // "api" | "webhook"
    std::int64_t requests = 0;
    std::int64_t with_changes = 0;
  };
  std::chrono::seconds window{0};
  std::vector<DayRow> per_day;  // by day, then source
  std::int64_t requests = 0;
  std::int64_t with_changes = 0;
  double change_rate = 0;  // with_changes / requests (0 with no requests)
  std::vector<std::pair<std::string, std::int64_t>> languages;  // most used first
  std::vector<std::pair<std::string, std::int64_t>> outcomes;   // most frequent first
  std::int64_t distinct_repositories = 0;                       // distinct repository pseudonyms
  std::int64_t distinct_deployments = 0;                        // distinct deployment pseudonyms
};

// Parses a window such as "30d", "12h", "2w" or "45m". Throws std::invalid_argument otherwise.
std::chrono::seconds ParseWindow(std::string_view text);

// Queries the events of the last `window`. Throws std::runtime_error, with no password in the
// message, when the database cannot be reached or has no analytics schema.
UsageSummary QueryUsageSummary(const std::string& database_url, std::chrono::seconds window);

}  // namespace traceassist::analytics
