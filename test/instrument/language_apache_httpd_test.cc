#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("apache-httpd: images, launchers and aliases", "[language][apache-httpd]") {
  CheckNames(Language::kApacheHttpd, "apache-httpd");
  CHECK(ParseLanguage("httpd") == Language::kApacheHttpd);
  CHECK(Detect(App("httpd:2.4")).language == Language::kApacheHttpd);
  CHECK(Annotation(DecideOne(App("httpd:2.4")),
                   "instrumentation.opentelemetry.io/inject-apache-httpd") != nullptr);
}
