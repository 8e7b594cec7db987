#include "traceassist/common/json_log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>

namespace traceassist::common {
namespace {

// Lines to stdout, written in batches: spdlog's stdout sink flushes every line, one write(2) per
// request under its mutex. Flushed when 64 KiB are pending, on warnings, and after
// lifecycle messages (LogEvent), every second, so a crash loses at most a second of request lines.
class BufferedStdoutSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedStdoutSink() { buffer_.reserve(kFlushAt + 4096); }
  ~BufferedStdoutSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kFlushAt) flush_();
  }
  void flush_() override {
    std::string_view pending = buffer_;
    while (!pending.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, pending.data(), pending.size());
      if (n <= 0) break;  // stdout gone: drop the lines rather than block the server
      pending.remove_prefix(static_cast<std::size_t>(n));
    }
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  std::string buffer_;
};

spdlog::level::level_enum SpdLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      break;
  }
  return spdlog::level::err;
}

}  // namespace

void ConfigureJsonLogging(std::string_view level) {
  spdlog::drop("traceassist");
  auto logger =
      std::make_shared<spdlog::logger>("traceassist", std::make_shared<BufferedStdoutSink>());
  spdlog::register_logger(logger);
  // Messages are JSON members ("msg":...,...), so the pattern closes the object.
  logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  spdlog::set_default_logger(std::move(logger));
}

void LogEvent(LogLevel level, std::string_view msg, const nlohmann::json& fields,
              std::string_view prefix) {
  const spdlog::level::level_enum spd_level = SpdLevel(level);
  if (!spdlog::default_logger_raw()->should_log(spd_level)) return;
  std::string text(prefix);
  text += msg;
  std::string line = "\"msg\":";
  line += nlohmann::json(text).dump();
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line += ',';
      line += nlohmann::json(key).dump();
      line += ':';
      line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  spdlog::log(spd_level, "{}", line);
  if (text != "request") spdlog::default_logger_raw()->flush();
}

}  // namespace traceassist::common
