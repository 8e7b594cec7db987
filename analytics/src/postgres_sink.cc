// Configuration parsing and the sink factory (see postgres_sink.h).
#include "traceassist/analytics/postgres_sink.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "analytics_log.h"
#include "async_sink.h"
#include "postgres_store.h"
#include "pseudonym.h"
#include "redact.h"
#include "traceassist/common/metrics_text.h"

namespace traceassist::analytics {
namespace {

// The sink when DATABASE_URL is unset: records nothing, reports off.
class DisabledUsageSink final : public UsageSink {
 public:
  void Record(const UsageEvent&) noexcept override {}
  SinkState State() const noexcept override { return SinkState::kOff; }
  void AppendMetrics(std::string& out) const override {
    common::MetricsText text;
    text.Gauge("traceassist_analytics_enabled", "1 when usage analytics is configured, else 0.");
    text.Sample(0);
    text.AppendTo(out);
  }
  std::size_t Shutdown(std::chrono::milliseconds) noexcept override { return 0; }
};

long long ParseInteger(std::string_view name, const std::string& text, long long min,
                       long long max) {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end || value < min || value > max) {
    throw std::invalid_argument(
        fmt::format("{} must be an integer from {} to {}, not \"{}\"", name, min, max, text));
  }
  return value;
}

bool ParseBool(std::string_view name, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw std::invalid_argument(fmt::format("{} must be true or false, not \"{}\"", name, text));
}

void ValidateDatabaseUrl(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  std::string reason;
  if (error != nullptr) {
    reason = error;
    PQfreemem(error);
  }
  if (options != nullptr) {
    // libpq checks the port only when connecting; a typo there is a configuration error too.
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) != "port" || option->val == nullptr) continue;
      const std::string_view ports(option->val);
      const bool numeric = std::all_of(ports.begin(), ports.end(),
                                       [](char c) { return (c >= '0' && c <= '9') || c == ','; });
      if (!numeric) reason = "the port is not a number";
    }
    PQconninfoFree(options);
    if (reason.empty()) return;
  }
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  throw std::invalid_argument(
      fmt::format("DATABASE_URL is not a valid PostgreSQL connection string ({}); expected e.g. "
                  "postgresql://user:password@host:5432/dbname",
                  ScrubSecrets(reason.empty() ? "unparsable" : reason, url)));
}

}  // namespace

std::optional<std::string> LookupEnvironment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

AnalyticsConfig ParseAnalyticsConfig(const SettingLookup& lookup, std::string version) {
  AnalyticsConfig config;
  config.version = std::move(version);
  config.database_url = lookup("DATABASE_URL").value_or("");
  if (!config.database_url.empty()) ValidateDatabaseUrl(config.database_url);
  config.key = lookup("TRACEASSIST_ANALYTICS_KEY").value_or("");
  if (auto queue = lookup("TRACEASSIST_ANALYTICS_QUEUE")) {
    config.queue_capacity = static_cast<std::size_t>(
        ParseInteger("TRACEASSIST_ANALYTICS_QUEUE", *queue, 1, 100'000'000));
  }
  if (auto required = lookup("TRACEASSIST_ANALYTICS_REQUIRED")) {
    config.required = ParseBool("TRACEASSIST_ANALYTICS_REQUIRED", *required);
  }
  if (auto days = lookup("TRACEASSIST_ANALYTICS_RETENTION_DAYS")) {
    config.retention_days =
        static_cast<int>(ParseInteger("TRACEASSIST_ANALYTICS_RETENTION_DAYS", *days, 0, 100'000));
  }
  if (config.required && config.database_url.empty()) {
    throw std::invalid_argument("TRACEASSIST_ANALYTICS_REQUIRED=true needs DATABASE_URL");
  }
  return config;
}

std::unique_ptr<UsageSink> CreateUsageSink(const AnalyticsConfig& config) {
  if (config.database_url.empty()) {
    Log(LogLevel::kInfo, "off (DATABASE_URL is not set)");
    return std::make_unique<DisabledUsageSink>();
  }
  std::string key = config.key;
  if (key.empty()) {
    Log(LogLevel::kWarn,
        "TRACEASSIST_ANALYTICS_KEY is not set; using a random key, so repository pseudonyms will "
        "not be stable across restarts or replicas");
    key = Pseudonymizer::RandomKey();
  } else if (key.size() < 32) {
    Log(LogLevel::kWarn, "TRACEASSIST_ANALYTICS_KEY is short; use at least 32 bytes",
        {{"key_bytes", key.size()}});
  }
  Log(LogLevel::kInfo, "on",
      {{"database", RedactDatabaseUrl(config.database_url)},
       {"queue", config.queue_capacity},
       {"retention_days", config.retention_days},
       {"required", config.required}});
  return std::make_unique<AsyncUsageSink>(
      config, std::make_unique<PostgresEventStore>(config.database_url, config.version),
      Pseudonymizer(key));
}

}  // namespace traceassist::analytics
