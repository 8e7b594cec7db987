#include "traceassist/common/file.h"

#include <fstream>
#include <sstream>

namespace traceassist::common {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace traceassist::common
