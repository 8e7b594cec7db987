#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("ruby: detected and reported, never annotated", "[language][ruby]") {
  CheckNames(Language::kRuby, "ruby");
  CHECK_FALSE(FindProfile(Language::kRuby)->operator_injection);
  CHECK(Detect(App("ruby:3.3")).language == Language::kRuby);
  const Decision d = DecideOne(App("ruby:3.3"));
  CHECK(d.set.empty());
  CHECK(d.report.containers[0].reason == "language_unsupported");
}
