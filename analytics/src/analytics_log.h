// Analytics log lines: the server's JSON-line logger (common/json_log.h) with every message
// prefixed "analytics: ". Never pass secrets: callers scrub database errors with ScrubSecrets
// first.
//
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "traceassist/common/json_log.h"

namespace traceassist::analytics {

using common::LogLevel;

// Logs {"msg": "analytics: <msg>", ...fields} at `level`. `fields` must be a JSON object or null.
inline void Log(LogLevel level, std::string_view msg, const nlohmann::json& fields = nullptr) {
  common::LogEvent(level, msg, fields, "analytics: ");
}

}  // namespace traceassist::analytics
