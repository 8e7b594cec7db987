// libFuzzer target: RewriteManifests on arbitrary bytes, checking the rewrite properties
// (rewrite_properties.h) whenever the library accepts the input. The input's length picks one of
// the option sets (so both are explored at the cost of one); the regression replay runs both.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rewrite_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const auto option_sets = traceassist::fuzz::PropertyOptionSets();
  const std::string failure =
      traceassist::fuzz::CheckRewriteProperties(input, option_sets[size % option_sets.size()]);
  if (!failure.empty()) {
    std::fprintf(stderr, "rewrite property violated: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
