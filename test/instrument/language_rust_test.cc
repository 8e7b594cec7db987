#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("rust: detected and reported, never annotated", "[language][rust]") {
  CheckNames(Language::kRust, "rust");
  CHECK_FALSE(FindProfile(Language::kRust)->operator_injection);
  CHECK(Detect(App("rust:1.79")).language == Language::kRust);
  const Decision d = DecideOne(App("rust:1.79"));
  CHECK(d.set.empty());
  CHECK(d.report.containers[0].reason == "language_unsupported");
}
