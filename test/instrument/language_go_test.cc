#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("go: only weak signals (golang image, GO* variables)", "[language][go]") {
  CheckNames(Language::kGo, "go");
  CHECK(ParseLanguage("golang") == Language::kGo);
  const Detection d = Detect(App("golang:1.22"));
  CHECK(d.language == Language::kGo);
  CHECK(d.confidence == Confidence::kMedium);
}

TEST_CASE("go: off unless enabled; the target executable is written", "[language][go]") {
  ContainerView c = App("golang:1.22", {"/srv/cart"}, {"GOMAXPROCS"});
  WorkloadView w;
  w.kind = "Deployment";
  w.name = "cart";
  w.has_template = true;
  w.containers = {c};
  CHECK(Decide(w, Options{}).report.containers[0].reason == "go_disabled");
  const Decision d = DecideOne(c);
  const std::string* exe =
      Annotation(d, "instrumentation.opentelemetry.io/otel-go-auto-target-exe");
  REQUIRE(exe != nullptr);
  CHECK(*exe == "/srv/cart");
  CHECK_FALSE(FindProfile(Language::kGo)->init_containers);
}
