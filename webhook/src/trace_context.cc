#include "trace_context.h"

#include <algorithm>

namespace traceassist::webhook {
namespace {

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool AllZero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(std::string_view header) {
  // 2 version + 1 + 32 trace-id + 1 + 16 parent-id + 1 + 2 flags.
  constexpr std::size_t kLength = 55;
  if (header.size() < kLength || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  const std::string_view version = header.substr(0, 2), trace_id = header.substr(3, 32),
                         span_id = header.substr(36, 16), flags = header.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(span_id) ||
      !IsLowerHex(flags) || AllZero(trace_id) || AllZero(span_id)) {
    return std::nullopt;
  }
  if (header.size() > kLength && (version == "00" || header[kLength] != '-')) return std::nullopt;
  const int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return TraceContext{std::string(trace_id), std::string(span_id), (flag_bits & 1) != 0};
}

}  // namespace traceassist::webhook
