#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("java: images, launchers, env names and jar arguments point to it", "[language][java]") {
  CheckNames(Language::kJava, "java");
  CHECK(Detect(App("eclipse-temurin:21-jre")).language == Language::kJava);
  CHECK(Detect(App("registry.example/shop/cart:1", {"java", "-jar", "/app.jar"})).language ==
        Language::kJava);
  CHECK(Detect(App("registry.example/shop/cart:1", {}, {"JAVA_TOOL_OPTIONS"})).confidence ==
        Confidence::kHigh);
}

TEST_CASE("java: inject-java, init containers, JAVA_TOOL_OPTIONS from valueFrom skips",
          "[language][java]") {
  const Decision d = DecideOne(App("eclipse-temurin:21-jre"));
  REQUIRE(Annotation(d, "instrumentation.opentelemetry.io/inject-java") != nullptr);
  CHECK(FindProfile(Language::kJava)->init_containers);
  ContainerView c = App("eclipse-temurin:21-jre");
  c.env.push_back({"JAVA_TOOL_OPTIONS", "", true});
  CHECK(DecideOne(c).report.containers[0].reason == "env_value_from");
}
