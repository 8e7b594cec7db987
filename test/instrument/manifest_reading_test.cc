// What detection reads from a manifest's structure: YAML merge keys (`<<: *base`), which yaml-cpp
// 0.7 leaves as literal keys but Kubernetes expands, and the items of every `*List` kind.
#include <catch2/catch.hpp>

#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;

namespace {

Report Detect(std::string_view yaml, const Options& options = {}) {
  auto result = DetectManifests(yaml, options);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return std::move(result.value());
}

const ContainerReport& OnlyContainer(const Report& r) {
  REQUIRE(r.objects.size() == 1);
  REQUIRE(r.objects[0].containers.size() == 1);
  return r.objects[0].containers[0];
}

}  // namespace

TEST_CASE("a container's fields brought in by a merge key are read", "[detector][merge]") {
  const Report r = Detect(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  template:
    spec:
      containers:
      - name: orders
        image: eclipse-temurin:21-jre
        env:
        - {name: JAVA_TOOL_OPTIONS, value: -Xmx512m}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: billing}
x-defaults: &defaults
  image: registry.example.com/shop/billing:3
  env:
  - {name: SPRING_PROFILES_ACTIVE, value: prod}
spec:
  template:
    spec:
      containers:
      - <<: *defaults
        name: billing
)");
  REQUIRE(r.objects.size() == 2);
  REQUIRE(r.objects[1].containers.size() == 1);
  const ContainerReport& billing = r.objects[1].containers[0];
  CHECK(billing.image == "registry.example.com/shop/billing:3");
  CHECK(billing.language == Language::kJava);
}

TEST_CASE("an explicit key wins over a merged one; merged maps apply in order",
          "[detector][merge]") {
  const Report r = Detect(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - &py {name: py, image: "python:3.12", command: [python, app.py]}
  - &node {name: node, image: "node:20", command: [node, server.js]}
  - <<: [*py, *node]
    name: first-merged-wins
  - <<: *node
    name: explicit-wins
    image: python:3.12-slim
    command: [python, main.py]
)");
  REQUIRE(r.objects.size() == 1);
  const auto& c = r.objects[0].containers;
  REQUIRE(c.size() == 4);
  CHECK(c[2].name == "first-merged-wins");
  CHECK(c[2].image == "python:3.12");
  CHECK(c[2].language == Language::kPython);
  CHECK(c[3].name == "explicit-wins");
  CHECK(c[3].image == "python:3.12-slim");
  CHECK(c[3].language == Language::kPython);
}

TEST_CASE("pod template metadata and kind brought in by merge keys are read", "[detector][merge]") {
  const std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    <<: &tmpl-meta
      metadata:
        labels: {app: worker}
        annotations:
          traceassist.io/language: python
    spec:
      containers:
      - name: worker
        image: registry.example.com/jobs/worker:7
)";
  const Report r = Detect(yaml);
  const ContainerReport& c = OnlyContainer(r);
  CHECK(c.language == Language::kPython);
  // Writing annotations would change the shared map (or hide its labels): refused, text unchanged.
  auto out = RewriteManifests(yaml, {});
  REQUIRE(out.ok());
  CHECK(out.value().text == yaml);
  REQUIRE(out.value().report.objects.size() == 1);
  CHECK(out.value().report.objects[0].reasons.front() == "yaml_anchor");

  const Report merged_kind = Detect(R"(x-base: &workload {apiVersion: v1, kind: Pod}
<<: *workload
metadata: {name: solo}
spec:
  containers: [{name: app, image: "node:20"}]
)");
  CHECK(OnlyContainer(merged_kind).language == Language::kNodejs);
}

TEST_CASE("a merge key elsewhere does not stop the template from being edited",
          "[rewrite][merge]") {
  const std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - <<: &c {image: "eclipse-temurin:21", command: [java, -jar, /app/api.jar]}
        name: api
)";
  auto out = RewriteManifests(yaml, {});
  REQUIRE(out.ok());
  REQUIRE(out.value().report.objects.size() == 1);
  CHECK(out.value().report.objects[0].status == ObjectStatus::kInstrumented);
  CHECK(out.value().text.find("instrumentation.opentelemetry.io/inject-java: \"true\"") !=
        std::string::npos);
}

TEST_CASE("a workload whose kind or list items come from a merge key is instrumented",
          "[rewrite][merge]") {
  // The safety net reads the result back as the rewrite read it: before, it looked for `kind`
  // without merges, called the Pod "no longer where it was" and refused the whole stream.
  const std::string yaml = R"(x-base: &workload {apiVersion: v1, kind: Pod}
<<: *workload
metadata: {name: solo}
spec:
  containers: [{name: app, image: "node:20"}]
---
<<: {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Pod, metadata: {name: listed},
  spec: {containers: [{name: app, image: "node:20"}]}}]}
)";
  auto out = RewriteManifests(yaml, {});
  REQUIRE(out.ok());
  REQUIRE(out.value().report.objects.size() == 2);
  for (const auto& o : out.value().report.objects) {
    INFO(o.Ref());
    CHECK(o.status == ObjectStatus::kInstrumented);
  }
}

TEST_CASE("a self-referencing merge is refused, not followed forever", "[detector][merge]") {
  auto result = DetectManifests("kind: Pod\nmetadata: &a {<<: *a}\n", {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("cycle") != std::string::npos);
}

TEST_CASE("the items of every *List kind are read", "[detector][list]") {
  const Report r = Detect(R"(apiVersion: apps/v1
kind: DeploymentList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web}
  spec:
    template:
      spec:
        containers: [{name: web, image: "node:20", command: [node, server.js]}]
---
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: job}
  spec:
    containers: [{name: job, image: "python:3.12", command: [python, job.py]}]
---
apiVersion: v1
kind: ConfigMapList
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: b}}
)");
  REQUIRE(r.objects.size() == 2);
  CHECK(r.objects[0].name == "web");
  CHECK(r.objects[0].containers.at(0).language == Language::kNodejs);
  CHECK(r.objects[1].kind == "Pod");
  CHECK(r.objects[1].containers.at(0).language == Language::kPython);

  auto out = RewriteManifests(R"(apiVersion: apps/v1
kind: StatefulSetList
items:
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db-api}
  spec:
    template:
      metadata: {labels: {app: db-api}}
      spec:
        containers: [{name: api, image: "eclipse-temurin:21"}]
)",
                              {});
  REQUIRE(out.ok());
  CHECK(out.value().report.objects.at(0).status == ObjectStatus::kInstrumented);
}
