#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("nodejs: images, versioned node binaries and .js arguments point to it",
          "[language][nodejs]") {
  CheckNames(Language::kNodejs, "nodejs");
  CHECK(ParseLanguage("node") == Language::kNodejs);
  CHECK(Detect(App("node:20")).language == Language::kNodejs);
  CHECK(Detect(App("registry.example/shop/web:1", {"node18", "server.js"})).language ==
        Language::kNodejs);
}

TEST_CASE("nodejs: inject-nodejs; NODE_OPTIONS from valueFrom skips", "[language][nodejs]") {
  CHECK(Annotation(DecideOne(App("node:20")), "instrumentation.opentelemetry.io/inject-nodejs") !=
        nullptr);
  ContainerView c = App("node:20");
  c.env.push_back({"NODE_OPTIONS", "", true});
  CHECK(DecideOne(c).report.containers[0].reason == "env_value_from");
}
