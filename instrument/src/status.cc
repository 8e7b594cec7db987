#include "traceassist/instrument/status.h"

#include <fmt/format.h>

namespace traceassist::instrument {

std::string_view ToString(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidInput:
      return "invalid_input";
    case StatusCode::kUnsupportedLayout:
      return "unsupported_layout";
    case StatusCode::kLimitExceeded:
      return "limit_exceeded";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kIo:
      return "io";
  }
  return "internal";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string where;
  if (where_.document > 0) where += fmt::format("document {}, ", where_.document);
  if (where_.line > 0) where += fmt::format("line {}, ", where_.line);
  if (where_.column > 0) where += fmt::format("column {}, ", where_.column);
  if (!where.empty()) where.replace(where.size() - 2, 2, ": ");
  return where + message_;
}

}  // namespace traceassist::instrument
