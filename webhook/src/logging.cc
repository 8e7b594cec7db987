#include "traceassist/webhook/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace traceassist::webhook {

void ConfigureJsonLogging(std::string_view level) {
  spdlog::drop("traceassist");
  auto logger = spdlog::stdout_logger_mt("traceassist");
  // Messages are JSON members ("msg":...,...), so the pattern closes the object.
  logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void LogEvent(LogLevel level, std::string_view msg, const nlohmann::json& fields) {
  const auto spd_level = level == LogLevel::kDebug  ? spdlog::level::debug
                         : level == LogLevel::kInfo ? spdlog::level::info
                         : level == LogLevel::kWarn ? spdlog::level::warn
                                                    : spdlog::level::err;
  if (!spdlog::default_logger_raw()->should_log(spd_level)) return;
  std::string line = "\"msg\":";
  line += nlohmann::json(msg).dump();
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line += ',';
      line += nlohmann::json(key).dump();
      line += ':';
      line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  spdlog::log(spd_level, "{}", line);
}

}  // namespace traceassist::webhook
