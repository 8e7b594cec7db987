#include "traceassist/analytics/usage_summary.h"

#include <fmt/format.h>

#include <charconv>
#include <pqxx/pqxx>
#include <stdexcept>

#include "redact.h"

namespace traceassist::analytics {

std::chrono::seconds ParseWindow(std::string_view text) {
  long long count = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [unit, error] = std::from_chars(begin, end, count);
  if (error != std::errc() || unit == begin || unit + 1 != end || count <= 0 || count > 100'000) {
    throw std::invalid_argument(
        fmt::format("--since must look like 30d, 12h, 2w or 45m, not \"{}\"", text));
  }
  switch (*unit) {
    case 'm':
      return std::chrono::minutes(count);
    case 'h':
      return std::chrono::hours(count);
    case 'd':
      return std::chrono::hours(24 * count);
    case 'w':
      return std::chrono::hours(24 * 7 * count);
  }
  throw std::invalid_argument(
      fmt::format("--since must look like 30d, 12h, 2w or 45m, not \"{}\"", text));
}

UsageSummary QueryUsageSummary(const std::string& database_url, std::chrono::seconds window) {
  UsageSummary summary;
  summary.window = window;
  try {
    pqxx::connection connection(WithConnectTimeout(database_url, 10));
    pqxx::read_transaction read(connection, "analytics_summary");
    if (read.exec("SELECT to_regclass('usage_events') IS NOT NULL")[0][0].as<bool>() == false) {
      throw std::runtime_error("the database has no usage_events table (no analytics recorded)");
    }
    const std::string since =
        "now() - make_interval(secs => " + std::to_string(window.count()) + ")";
    for (const auto& row : read.exec(
             "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), source, count(*), "
             "count(*) FILTER (WHERE changes_made) FROM usage_events WHERE occurred_at >= " +
             since + " GROUP BY 1, 2 ORDER BY 1, 2")) {
      UsageSummary::DayRow day;
      day.day = row[0].as<std::string>();
      day.source = row[1].as<std::string>();
      day.requests = row[2].as<std::int64_t>();
      day.with_changes = row[3].as<std::int64_t>();
      summary.requests += day.requests;
      summary.with_changes += day.with_changes;
      summary.per_day.push_back(std::move(day));
    }
    if (summary.requests > 0) {
      summary.change_rate =
          static_cast<double>(summary.with_changes) / static_cast<double>(summary.requests);
    }
    for (const auto& row :
         read.exec("SELECT language, count(*) FROM usage_events, unnest(languages) AS language "
                   "WHERE occurred_at >= " +
                   since + " GROUP BY 1 ORDER BY 2 DESC, 1")) {
      summary.languages.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
    }
    for (const auto& row : read.exec("SELECT outcome, count(*) FROM usage_events WHERE "
                                     "occurred_at >= " +
                                     since + " GROUP BY 1 ORDER BY 2 DESC, 1")) {
      summary.outcomes.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
    }
    const auto distinct = read.exec1(
        "SELECT count(DISTINCT repo_pseudonym), count(DISTINCT deployment_pseudonym) "
        "FROM usage_events WHERE occurred_at >= " +
        since);
    summary.distinct_repositories = distinct[0].as<std::int64_t>();
    summary.distinct_deployments = distinct[1].as<std::int64_t>();
  } catch (const pqxx::failure& e) {
    throw std::runtime_error(ScrubSecrets(e.what(), database_url));
  }
  return summary;
}

}  // namespace traceassist::analytics
