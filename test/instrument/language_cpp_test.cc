#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("cpp: a name for overrides only, never detected or annotated", "[language][cpp]") {
  CheckNames(Language::kCpp, "cpp");
  CHECK_FALSE(FindProfile(Language::kCpp)->operator_injection);
  CHECK(FindProfile(Language::kCpp)->detection.images.empty());
}
