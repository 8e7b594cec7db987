#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("php: detected and reported, never annotated", "[language][php]") {
  CheckNames(Language::kPhp, "php");
  CHECK_FALSE(FindProfile(Language::kPhp)->operator_injection);
  CHECK(Detect(App("php:8.3-fpm")).language == Language::kPhp);
  const Decision d = DecideOne(App("php:8.3-fpm"));
  CHECK(d.set.empty());
  CHECK(d.report.containers[0].reason == "language_unsupported");
}
