#include "traceassist/instrument/status.h"

#include <fmt/format.h>

namespace traceassist::instrument {

std::string Status::ToString() const {
  if (ok_) return "ok";
  std::string where;
  if (where_.document > 0) where += fmt::format("document {}, ", where_.document);
  if (where_.line > 0) where += fmt::format("line {}, ", where_.line);
  if (where_.column > 0) where += fmt::format("column {}, ", where_.column);
  if (!where.empty()) where.replace(where.size() - 2, 2, ": ");
  return where + message_;
}

}  // namespace traceassist::instrument
