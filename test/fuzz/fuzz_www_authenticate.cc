// WWW-Authenticate parsing (registry/src/www_authenticate.h): never crashes, schemes are lower-case
// tokens and nothing read is longer than the input.
#include <cstdlib>
#include <string_view>

#include "www_authenticate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& challenge : traceassist::registry::ParseWwwAuthenticate(text)) {
    if (challenge.scheme.empty() || challenge.scheme.size() > size) std::abort();
    for (char c : challenge.scheme) {
      if (c >= 'A' && c <= 'Z') std::abort();
    }
    for (const auto& [key, value] : challenge.params) {
      if (key.empty() || key.size() + value.size() > size) std::abort();
    }
  }
  return 0;
}
