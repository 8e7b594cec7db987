// Image reference parsing (registry/): never crashes, and a parsed reference prints to a form that
// parses back to the same reference (the canonical form is stable).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "traceassist/registry/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using traceassist::registry::ParseReference;
  using traceassist::registry::Reference;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ParseReference(text);
  if (parsed.index() != 0) return 0;
  const auto& ref = std::get<Reference>(parsed);
  const auto again = ParseReference(ref.ToString());
  if (again.index() != 0) {
    std::fprintf(stderr, "canonical form %s does not parse: %s\n", ref.ToString().c_str(),
                 std::get<std::string>(again).c_str());
    std::abort();
  }
  const auto& back = std::get<Reference>(again);
  if (back.registry != ref.registry || back.repository != ref.repository || back.tag != ref.tag ||
      back.digest != ref.digest) {
    std::fprintf(stderr, "round trip changed %s into %s\n", ref.ToString().c_str(),
                 back.ToString().c_str());
    std::abort();
  }
  return 0;
}
