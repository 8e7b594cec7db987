// Analytics log lines in the service's structured convention: each message is a list of JSON
// members
// ("msg":"...",fields...) that the server's logger pattern wraps into one JSON object per line
// (see webhook/logging.h; analytics does not depend on the server, so the format is repeated here).
// Never pass secrets: callers scrub database errors with ScrubSecrets first.
//
// Thread-safe (spdlog's default logger is).
#pragma once

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace traceassist::analytics {

// Logs {"msg": "analytics: <msg>", ...fields} at `level`. `fields` must be a JSON object or null.
void Log(spdlog::level::level_enum level, std::string_view msg,
         const nlohmann::json& fields = nullptr);

}  // namespace traceassist::analytics
