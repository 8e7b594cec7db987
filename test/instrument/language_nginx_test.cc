#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("nginx: images and mounts point to it; off unless enabled", "[language][nginx]") {
  CheckNames(Language::kNginx, "nginx");
  CHECK(Detect(App("nginx:1.25")).language == Language::kNginx);
  WorkloadView w;
  w.kind = "Deployment";
  w.name = "web";
  w.has_template = true;
  w.containers = {App("nginx:1.25")};
  CHECK(Decide(w, Options{}).report.containers[0].reason == "nginx_disabled");
  CHECK(Annotation(DecideOne(App("nginx:1.25")), "instrumentation.opentelemetry.io/inject-nginx") !=
        nullptr);
}

TEST_CASE("nginx: its container-names key is inject-nginx-container-names", "[language][nginx]") {
  CHECK(FindProfile(Language::kNginx)->container_names_key == "inject-nginx-container-names");
}
