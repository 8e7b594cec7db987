#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("python: images, python3.11 and .py arguments point to it", "[language][python]") {
  CheckNames(Language::kPython, "python");
  CHECK(Detect(App("python:3.12-slim")).language == Language::kPython);
  CHECK(Detect(App("registry.example/shop/api:1", {"python3.11", "main.py"})).language ==
        Language::kPython);
}

TEST_CASE("python: musl images get otel-python-platform", "[language][python]") {
  const Decision glibc = DecideOne(App("python:3.12-slim"));
  CHECK(Annotation(glibc, "instrumentation.opentelemetry.io/inject-python") != nullptr);
  CHECK(Annotation(glibc, "instrumentation.opentelemetry.io/otel-python-platform") == nullptr);
  const Decision musl = DecideOne(App("python:3.12-alpine"));
  const std::string* platform =
      Annotation(musl, "instrumentation.opentelemetry.io/otel-python-platform");
  REQUIRE(platform != nullptr);
  CHECK(*platform == "musl");
}
