#include "analytics_log.h"

#include <string>

namespace traceassist::analytics {

void Log(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  std::string line = "\"msg\":";
  line += nlohmann::json("analytics: " + std::string(msg)).dump();
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line += ',';
      line += nlohmann::json(key).dump();
      line += ':';
      line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  spdlog::log(level, "{}", line);
}

}  // namespace traceassist::analytics
