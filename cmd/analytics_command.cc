// `traceassist analytics summary [--since 30d] [--format text|json]`: usage of a hosted
// TraceAssist, read from the PostgreSQL database in DATABASE_URL. Reads only; never sends anything
// anywhere else.
#include <fmt/format.h>

#include <exception>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "traceassist/analytics/postgres_sink.h"
#include "traceassist/analytics/usage_summary.h"

namespace traceassist::cmd {
namespace {

using analytics::UsageSummary;

nlohmann::json ToJson(const UsageSummary& summary, const std::string& since) {
  nlohmann::json json;
  json["since"] = since;
  json["requests"] = summary.requests;
  json["with_changes"] = summary.with_changes;
  json["change_rate"] = summary.change_rate;
  json["distinct_repositories"] = summary.distinct_repositories;
  json["distinct_deployments"] = summary.distinct_deployments;
  json["per_day"] = nlohmann::json::array();
  for (const auto& day : summary.per_day) {
    json["per_day"].push_back({{"day", day.day},
                               {"source", day.source},
                               {"requests", day.requests},
                               {"with_changes", day.with_changes}});
  }
  json["languages"] = nlohmann::json::object();
  for (const auto& [language, count] : summary.languages) json["languages"][language] = count;
  json["outcomes"] = nlohmann::json::object();
  for (const auto& [outcome, count] : summary.outcomes) json["outcomes"][outcome] = count;
  return json;
}

std::string ToText(const UsageSummary& summary, const std::string& since) {
  std::string out = fmt::format("Usage over the last {}\n\n", since);
  out += fmt::format("{:<12} {:<8} {:>10} {:>10}\n", "day", "source", "requests", "changed");
  for (const auto& day : summary.per_day) {
    out += fmt::format("{:<12} {:<8} {:>10} {:>10}\n", day.day, day.source, day.requests,
                       day.with_changes);
  }
  out += fmt::format("\nrequests: {}   with changes: {}   change rate: {:.1f}%\n", summary.requests,
                     summary.with_changes, summary.change_rate * 100);
  out += fmt::format("distinct repositories (pseudonymous): {}   distinct deployments: {}\n",
                     summary.distinct_repositories, summary.distinct_deployments);
  out += "languages:";
  if (summary.languages.empty()) out += " none";
  for (const auto& [language, count] : summary.languages) {
    out += fmt::format(" {}={}", language, count);
  }
  out += "\noutcomes:";
  if (summary.outcomes.empty()) out += " none";
  for (const auto& [outcome, count] : summary.outcomes)
    out += fmt::format(" {}={}", outcome, count);
  out += "\n";
  return out;
}

}  // namespace

void RegisterAnalyticsCommands(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand(kAnalytics.name, kAnalytics.description);
  group->require_subcommand(1);
  CLI::App* summary = group->add_subcommand(
      "summary",
      "Requests per day and source, change rate, languages, distinct repositories "
      "(reads DATABASE_URL)");
  struct Options {
    std::string since = "30d";
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  summary->add_option("--since", options->since, "Window: 30d, 12h, 2w, 45m")
      ->capture_default_str();
  summary->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  summary->callback([options, &exit_code] {
    try {
      const auto window = analytics::ParseWindow(options->since);
      const std::string url = analytics::LookupEnvironment("DATABASE_URL").value_or("");
      if (url.empty()) {
        std::cerr << "traceassist analytics: DATABASE_URL is not set\n";
        exit_code = kExitUsage;
        return;
      }
      const UsageSummary result = analytics::QueryUsageSummary(url, window);
      if (options->format == "json") {
        std::cout << ToJson(result, options->since).dump(2) << "\n";
      } else {
        std::cout << ToText(result, options->since);
      }
      exit_code = kExitOk;
    } catch (const std::invalid_argument& e) {
      std::cerr << "traceassist analytics: " << e.what() << "\n";
      exit_code = kExitUsage;
    } catch (const std::exception& e) {
      std::cerr << "traceassist analytics: " << e.what() << "\n";
      exit_code = kExitInputError;
    }
  });
}

}  // namespace traceassist::cmd
