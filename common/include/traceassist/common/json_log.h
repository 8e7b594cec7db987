// Structured logging for the server side: every line on stdout is one JSON object
// {"time": "...Z", "level": "...", "msg": "...", ...fields}. Request lines carry the route, status,
// latency, objects, changes_made and the request id; never manifest content, tokens or other
// secrets (analytics scrubs database errors with ScrubSecrets before logging them).
//
// Thread-safety: ConfigureJsonLogging is called once at start-up, before the server's threads
// exist; LogEvent may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace traceassist::common {

// Installs the JSON-lines logger as spdlog's default, at `level` (trace|debug|info|warn|error|off).
void ConfigureJsonLogging(std::string_view level);

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Writes {"msg": prefix + msg, ...fields} at `level`. `fields` must be a JSON object (or null).
// Every line but request lines (msg "request") is flushed at once: lifecycle lines are rare and
// awaited by people and scripts.
void LogEvent(LogLevel level, std::string_view msg, const nlohmann::json& fields = nullptr,
              std::string_view prefix = {});

}  // namespace traceassist::common
