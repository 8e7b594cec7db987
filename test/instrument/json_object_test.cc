// ViewFromJson and MakeJsonPatch: the webhook's view of an object and the patch that must apply to
// exactly that object. Patches are applied with nlohmann's RFC 6902 implementation, which (like the
// API server's evanphx/json-patch) refuses an `add` under a missing parent.
#include "traceassist/instrument/json_object.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;
using traceassist::instrument::ContainerRole;
using traceassist::instrument::Decision;
using traceassist::instrument::MakeJsonPatch;
using traceassist::instrument::ViewFromJson;

json Deployment() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "cart", "namespace": "shop", "annotations": {"owner": "team-a"}},
    "spec": {"template": {
      "metadata": {"labels": {"app": "cart"}, "annotations": {"a/b~c": "x", "keep": "me"}},
      "spec": {
        "shareProcessNamespace": false,
        "containers": [{
          "name": "app", "image": "eclipse-temurin:21-jre",
          "command": ["java"], "args": ["-jar", "/app.jar", 7],
          "env": [{"name": "JAVA_TOOL_OPTIONS", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
                  {"name": "PORT", "value": "8080"}],
          "livenessProbe": {"httpGet": {"path": "/actuator/health/liveness", "port": 8080}},
          "readinessProbe": {"exec": {"command": ["true"]}},
          "startupProbe": {"httpGet": {"path": "/started", "port": 8080}},
          "volumeMounts": [{"name": "data", "mountPath": "/data"}]
        }, {"name": "proxy", "image": "envoyproxy/envoy:v1.30"}],
        "initContainers": [{"name": "migrate", "image": "flyway/flyway:10"}]
      }}}})");
}

Decision SetDecision(std::vector<std::pair<std::string, std::string>> set,
                     std::vector<std::string> remove = {}) {
  Decision d;
  d.set = std::move(set);
  d.remove = std::move(remove);
  return d;
}

json TemplateAnnotations(const json& object, const json::json_pointer& template_path) {
  return object.at(template_path).at("metadata").at("annotations");
}

}  // namespace

TEST_CASE("ViewFromJson reads a Deployment's pod template", "[json_object]") {
  auto view = ViewFromJson(Deployment());
  CHECK(view.kind == "Deployment");
  CHECK(view.name == "cart");
  CHECK(view.namespace_ == "shop");
  REQUIRE(view.has_template);
  // The template's annotations, not the Deployment's own.
  CHECK(view.annotations == traceassist::instrument::Annotations{{"a/b~c", "x"}, {"keep", "me"}});
  REQUIRE(view.containers.size() == 3);
  const auto& app = view.containers[0];
  CHECK(app.name == "app");
  CHECK(app.image == "eclipse-temurin:21-jre");
  CHECK(app.role == ContainerRole::kContainer);
  CHECK(app.command == std::vector<std::string>{"java"});
  CHECK(app.args ==
        std::vector<std::string>{"-jar", "/app.jar", "7"});  // a number reads as its text
  REQUIRE(app.env.size() == 2);
  CHECK(app.env[0].name == "JAVA_TOOL_OPTIONS");
  CHECK(app.env[0].value_from);
  CHECK(app.env[1].value == "8080");
  CHECK_FALSE(app.env[1].value_from);
  CHECK(app.probe_paths == std::vector<std::string>{"/actuator/health/liveness", "/started"});
  CHECK(app.mount_paths == std::vector<std::string>{"/data"});
  CHECK(view.containers[1].name == "proxy");
  CHECK(view.containers[2].name == "migrate");
  CHECK(view.containers[2].role == ContainerRole::kInitContainer);
  REQUIRE(view.share_process_namespace.has_value());
  CHECK_FALSE(*view.share_process_namespace);
}

TEST_CASE("ViewFromJson: Pods, generateName, CronJobs and malformed objects", "[json_object]") {
  SECTION("a controller-made Pod has only generateName and no namespace") {
    auto view = ViewFromJson(json::parse(R"({"kind": "Pod",
        "metadata": {"generateName": "cart-7d9f-", "annotations": {"k": "v"}},
        "spec": {"containers": [{"name": "app", "image": "node:20"}]}})"));
    CHECK(view.name == "cart-7d9f-");
    CHECK(view.namespace_.empty());
    REQUIRE(view.has_template);
    CHECK(view.annotations.size() == 1);
    CHECK(view.containers.size() == 1);
    CHECK_FALSE(view.share_process_namespace.has_value());
  }
  SECTION("a CronJob's template is under spec.jobTemplate.spec.template") {
    auto view = ViewFromJson(json::parse(R"({"kind": "CronJob", "metadata": {"name": "nightly"},
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {
          "spec": {"containers": [{"name": "job", "image": "python:3.12"}]}}}}}})"));
    REQUIRE(view.has_template);
    CHECK(view.annotations.empty());
    REQUIRE(view.containers.size() == 1);
    CHECK(view.containers[0].image == "python:3.12");
  }
  SECTION("malformed or foreign objects have no template") {
    for (const char* text :
         {R"({"kind": "Deployment", "metadata": {"name": "x"}})",
          R"({"kind": "Deployment", "spec": {"template": []}})",
          R"({"kind": "Deployment", "spec": {"template": {"spec": "x"}}})",
          R"({"kind": "Deployment", "spec": {"template": {"spec": {"containers": {}}}}})",
          R"({"kind": "CronJob", "spec": {"template": {"spec": {"containers": []}}}})",
          R"({"kind": "ConfigMap", "data": {"a": "b"}})", R"({"metadata": {"name": "no-kind"}})",
          R"([1, 2])", R"("text")"}) {
      INFO(text);
      CHECK_FALSE(ViewFromJson(json::parse(text)).has_template);
    }
  }
}

TEST_CASE("MakeJsonPatch escapes keys and chooses add, replace and remove", "[json_object]") {
  json object = Deployment();
  auto patch = MakeJsonPatch(
      object,
      SetDecision({{"instrumentation.opentelemetry.io/inject-java", "true"}, {"a/b~c", "y"}},
                  {"keep", "absent-key"}));
  CHECK(patch == json::parse(R"([
    {"op": "add", "path": "/spec/template/metadata/annotations/instrumentation.opentelemetry.io~1inject-java", "value": "true"},
    {"op": "replace", "path": "/spec/template/metadata/annotations/a~1b~0c", "value": "y"},
    {"op": "remove", "path": "/spec/template/metadata/annotations/keep"}])"));
  json patched = object.patch(patch);
  CHECK(TemplateAnnotations(patched, "/spec/template"_json_pointer) ==
        json{{"a/b~c", "y"}, {"instrumentation.opentelemetry.io/inject-java", "true"}});
  CHECK(patched["metadata"] == object["metadata"]);  // the Deployment's own metadata is untouched
}

TEST_CASE("MakeJsonPatch adds missing parent maps first", "[json_object]") {
  const auto decision = SetDecision({{"instrumentation.opentelemetry.io/inject-python", "true"},
                                     {"traceassist.io/managed", "inject-python"}});
  const json expected = {{"instrumentation.opentelemetry.io/inject-python", "true"},
                         {"traceassist.io/managed", "inject-python"}};
  struct Case {
    const char* name;
    const char* object;
    const char* template_path;
    int parent_ops;
  };
  for (
      const Case& c : {
          Case{"template without metadata",
               R"({"kind": "Deployment", "spec": {"template": {"spec": {"containers": []}}}})",
               "/spec/template", 2},
          Case{
              "metadata without annotations",
              R"({"kind": "StatefulSet", "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {}}}})",
              "/spec/template", 1},
          Case{
              "annotations: null",
              R"({"kind": "DaemonSet", "spec": {"template": {"metadata": {"annotations": null}, "spec": {}}}})",
              "/spec/template", 1},
          Case{
              "empty annotations",
              R"({"kind": "Job", "spec": {"template": {"metadata": {"annotations": {}}, "spec": {}}}})",
              "/spec/template", 0},
          Case{
              "CronJob template without metadata",
              R"({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}})",
              "/spec/jobTemplate/spec/template", 2},
          Case{"Pod without metadata", R"({"kind": "Pod", "spec": {"containers": []}})", "", 2},
          Case{"Pod with generateName only",
               R"({"kind": "Pod", "metadata": {"generateName": "p-"}, "spec": {}})", "", 1},
      }) {
    INFO(c.name);
    json object = json::parse(c.object);
    json patch = MakeJsonPatch(object, decision);
    REQUIRE(patch.size() == static_cast<std::size_t>(c.parent_ops) + 2);
    for (int i = 0; i < c.parent_ops; ++i) {
      CHECK(patch[i]["op"] == "add");
      CHECK(patch[i]["value"] == json::object());
    }
    json patched;
    REQUIRE_NOTHROW(patched = object.patch(patch));
    CHECK(TemplateAnnotations(patched, json::json_pointer(c.template_path)) == expected);
  }
}

TEST_CASE("MakeJsonPatch returns an empty array when nothing changes", "[json_object]") {
  json object = Deployment();
  CHECK(MakeJsonPatch(object, Decision{}) == json::array());
  // Removing keys that are not there: nothing to do, and no parent maps either.
  json bare = json::parse(R"({"kind": "Deployment", "spec": {"template": {"spec": {}}}})");
  CHECK(MakeJsonPatch(bare, SetDecision({}, {"traceassist.io/managed"})) == json::array());
  // A parent of the wrong type cannot be patched safely.
  json odd = json::parse(R"({"kind": "Pod", "metadata": {"annotations": "text"}, "spec": {}})");
  CHECK(MakeJsonPatch(odd, SetDecision({{"k", "v"}})) == json::array());
  // Not a workload.
  CHECK(MakeJsonPatch(json::parse(R"({"kind": "Service"})"), SetDecision({{"k", "v"}})) ==
        json::array());
}

TEST_CASE("MakeJsonPatch removes emptied annotations and metadata like the CLI", "[json_object]") {
  const auto remove_ours =
      SetDecision({}, {"instrumentation.opentelemetry.io/inject-java", "traceassist.io/managed"});
  SECTION("metadata holds only our annotations: the metadata goes") {
    json object = json::parse(R"({"kind": "Deployment", "spec": {"template": {
        "metadata": {"annotations": {"instrumentation.opentelemetry.io/inject-java": "true",
                                     "traceassist.io/managed": "inject-java"}},
        "spec": {}}}})");
    json patch = MakeJsonPatch(object, remove_ours);
    CHECK(patch == json::parse(R"([{"op": "remove", "path": "/spec/template/metadata"}])"));
    CHECK(object.patch(patch)["spec"]["template"] == json::parse(R"({"spec": {}})"));
  }
  SECTION("metadata holds labels too: only the annotations go") {
    json object = json::parse(R"({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {
        "metadata": {"labels": {"a": "b"}, "annotations": {"traceassist.io/managed": "inject-java"}},
        "spec": {}}}}}})");
    json patch = MakeJsonPatch(object, remove_ours);
    CHECK(
        patch ==
        json::parse(
            R"([{"op": "remove", "path": "/spec/jobTemplate/spec/template/metadata/annotations"}])"));
    CHECK(object.patch(patch)["spec"]["jobTemplate"]["spec"]["template"]["metadata"] ==
          json::parse(R"({"labels": {"a": "b"}})"));
  }
  SECTION("a user annotation stays: keys are removed one by one") {
    json object = json::parse(R"({"kind": "Pod", "metadata": {"name": "p", "annotations": {
        "traceassist.io/managed": "inject-java", "team": "a"}}, "spec": {}})");
    json patch = MakeJsonPatch(object, remove_ours);
    CHECK(patch ==
          json::parse(
              R"([{"op": "remove", "path": "/metadata/annotations/traceassist.io~1managed"}])"));
  }
}
