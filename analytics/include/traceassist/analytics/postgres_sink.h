// Start-up side of analytics: the configuration (read from the environment once, validated) and the
// factory that turns it into the UsageSink the server is handed.
//
// Thread-safety: the functions here are meant for start-up on one thread; the sink they return is
// thread-safe as documented in usage_sink.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "traceassist/analytics/usage_sink.h"

namespace traceassist::analytics {

// Plain settings; every field has its default. Secrets (database_url, key) are never logged.
struct AnalyticsConfig {
  // DATABASE_URL: a libpq connection string (URI or key=value). Empty: analytics off.
  std::string database_url;
  // TRACEASSIST_ANALYTICS_KEY: the HMAC-SHA256 key for pseudonyms. Empty: a random per-process key
  // (pseudonyms then change at every restart).
  std::string key;
  // TRACEASSIST_ANALYTICS_QUEUE: events held in memory at most (queued + being written).
  std::size_t queue_capacity = 100000;
  // TRACEASSIST_ANALYTICS_REQUIRED: when true, analytics that is not `ok` makes /ready fail.
  bool required = false;
  // TRACEASSIST_ANALYTICS_RETENTION_DAYS: rows older than this are deleted; 0 keeps rows forever.
  int retention_days = 365;
  // The service version stored with every row (not from the environment).
  std::string version;

  // Tuning, not from the environment (tests shorten them).
  // Rows per COPY at most: about what 10k requests/s bring in one linger, so draining a backlog
  // after an outage does not need larger writer buffers than steady traffic.
  std::size_t batch_size = 500;
  std::chrono::milliseconds batch_linger{50};      // wait this long for a batch to fill
  std::chrono::milliseconds backoff_initial{100};  // first reconnect delay
  std::chrono::milliseconds backoff_max{5000};     // reconnect delay cap (before jitter)
  std::chrono::milliseconds retention_interval{std::chrono::hours(1)};
};

// Looks a setting up by its environment variable name; nullopt when unset.
using SettingLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the process environment.
std::optional<std::string> LookupEnvironment(std::string_view name);

// Builds the configuration from DATABASE_URL and TRACEASSIST_ANALYTICS_*. An empty or unset
// DATABASE_URL gives analytics off (not an error). Throws std::invalid_argument with a message fit
// for the operator (no secrets in it) when a value is malformed: DATABASE_URL that libpq cannot
// parse, a queue that is not a positive integer, a boolean that is not true/false, a negative
// retention. The caller refuses to start on it.
AnalyticsConfig ParseAnalyticsConfig(const SettingLookup& lookup, std::string version);

// Returns the URL with any password replaced by "***", for logs.
std::string RedactDatabaseUrl(std::string_view url);

// Returns the sink for `config`: when database_url is empty, one that records nothing and reports
// SinkState::kOff (and says once, in the log, that analytics is off); otherwise the PostgreSQL
// sink, whose background writer connects, migrates the schema and retries for as long as the
// database is unreachable (start-up never waits for it). Logs a warning when the key is missing or
// short. Never returns null.
std::unique_ptr<UsageSink> CreateUsageSink(const AnalyticsConfig& config);

}  // namespace traceassist::analytics
