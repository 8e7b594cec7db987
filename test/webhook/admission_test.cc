// HandleAdmission: the AdmissionReview contract as the API server checks it (version and kind echo,
// uid, patch and patchType together, base64, a patch that applies to the exact object), the kinds
// and operations handled, objects a controller owns, warnings, audit mode, dry run, undecodable
// bodies and the fail-open path.
#include "traceassist/webhook/admission.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace {

using nlohmann::json;
using traceassist::instrument::ContainerReport;
using traceassist::instrument::Decision;
using traceassist::instrument::Language;
using traceassist::instrument::ObjectStatus;
using traceassist::webhook::AdmissionOutcome;
using traceassist::webhook::AdmissionPolicy;
using traceassist::webhook::AdmissionWarnings;
using traceassist::webhook::HandleAdmission;
using traceassist::webhook::kMaxWarningLength;

constexpr const char* kInjectJava = "instrumentation.opentelemetry.io/inject-java";

std::string DecodeBase64(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    const auto pos = kAlphabet.find(ch);
    if (pos == std::string::npos) throw std::invalid_argument("not base64");
    value = value << 6 | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(value >> bits & 0xFF);
    }
  }
  return out;
}

json JavaDeployment() {
  return json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "cart", "namespace": "shop"},
    "spec": {"selector": {"matchLabels": {"app": "cart"}}, "template": {
      "metadata": {"labels": {"app": "cart"}},
      "spec": {"containers": [{"name": "app", "image": "eclipse-temurin:21-jre",
                               "command": ["java", "-jar", "/app/cart.jar"]}]}}}})");
}

json Review(json object, std::string operation = "CREATE",
            std::string api_version = "admission.k8s.io/v1") {
  const std::string kind = object.value("kind", "");
  const std::string group_version = object.value("apiVersion", "v1");
  const auto slash = group_version.find('/');
  json gvk = {
      {"group", slash == std::string::npos ? "" : group_version.substr(0, slash)},
      {"version", slash == std::string::npos ? group_version : group_version.substr(slash + 1)},
      {"kind", kind}};
  json request = {
      {"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
      {"kind", gvk},
      {"resource", {{"group", gvk["group"]}, {"version", gvk["version"]}, {"resource", "x"}}},
      {"namespace", "shop"},
      {"operation", operation},
      {"userInfo", {{"username", "admin"}}},
      {"dryRun", false}};
  if (operation == "DELETE") {
    request["oldObject"] = std::move(object);
    request["object"] = nullptr;
  } else {
    if (operation == "UPDATE") request["oldObject"] = object;
    request["object"] = std::move(object);
  }
  return {
      {"apiVersion", api_version}, {"kind", "AdmissionReview"}, {"request", std::move(request)}};
}

// The checks kube-apiserver's VerifyAdmissionResponse and the mutating dispatcher make, then the
// response's `response` member. Applies the patch (when there is one) to `object`.
json CheckResponse(const AdmissionOutcome& out, const json& review, json* object = nullptr) {
  REQUIRE(out.http_status == 200);
  json body = json::parse(out.body);
  CHECK(body["apiVersion"] == review["apiVersion"]);
  CHECK(body["kind"] == "AdmissionReview");
  json response = body.at("response");
  CHECK(response["uid"] == review["request"]["uid"]);
  CHECK(response["allowed"] == true);
  CHECK(response.contains("patch") == response.contains("patchType"));
  if (response.contains("patch")) {
    CHECK(response["patchType"] == "JSONPatch");
    json patch = json::parse(DecodeBase64(response["patch"].get<std::string>()));
    REQUIRE(patch.is_array());
    REQUIRE(object != nullptr);
    *object = object->patch(patch);
  }
  for (const auto& w : response.value("warnings", json::array())) {
    CHECK(w.get<std::string>().size() <= kMaxWarningLength);
  }
  return response;
}

}  // namespace

TEST_CASE("a v1 CREATE of a Java Deployment is patched", "[admission]") {
  json object = JavaDeployment();
  json review = Review(object);
  auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
  json response = CheckResponse(out, review, &object);
  REQUIRE(response.contains("patch"));
  CHECK(object["spec"]["template"]["metadata"]["annotations"][kInjectJava] == "true");
  CHECK(object["metadata"] == JavaDeployment()["metadata"]);
  CHECK(out.kind == "Deployment");
  CHECK(out.operation == "CREATE");
  CHECK(out.outcome == "patched");
  CHECK_FALSE(out.dry_run);
  CHECK(out.uid == "705ab4f5-6393-11e8-b7cc-42010a800002");
  REQUIRE(out.report.objects.size() == 1);
  CHECK(out.report.changes_made);
  CHECK(out.report.objects[0].Ref() == "deployment/cart");
  CHECK(out.report.objects[0].namespace_ == "shop");

  SECTION("the patched object, sent again as an UPDATE, is unchanged") {
    json again = Review(object, "UPDATE");
    auto second = HandleAdmission(again.dump(), AdmissionPolicy{});
    json r = CheckResponse(second, again);
    CHECK_FALSE(r.contains("patch"));
    CHECK(second.outcome == "unchanged");
    CHECK(second.operation == "UPDATE");
  }
}

TEST_CASE("a v1beta1 review is answered in v1beta1", "[admission]") {
  json object = JavaDeployment();
  json review = Review(object, "CREATE", "admission.k8s.io/v1beta1");
  auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
  json response = CheckResponse(out, review, &object);
  CHECK(json::parse(out.body)["apiVersion"] == "admission.k8s.io/v1beta1");
  CHECK(response.contains("patch"));
  CHECK(object["spec"]["template"]["metadata"]["annotations"][kInjectJava] == "true");
}

TEST_CASE("a dry run gets the same answer and is flagged", "[admission]") {
  json object = JavaDeployment();
  json review = Review(object);
  review["request"]["dryRun"] = true;
  auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
  json response = CheckResponse(out, review, &object);
  CHECK(out.dry_run);
  CHECK(response.contains("patch"));  // the API server shows the dry-run result with the mutation
  CHECK(out.outcome == "patched");
}

TEST_CASE("DELETE, CONNECT, subresources and unknown kinds are allowed unchanged", "[admission]") {
  SECTION("DELETE") {
    json review = Review(JavaDeployment(), "DELETE");
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    json response = CheckResponse(out, review);
    CHECK_FALSE(response.contains("patch"));
    CHECK_FALSE(response.contains("warnings"));
    CHECK(out.operation == "DELETE");
    CHECK(out.outcome == "skipped");
  }
  SECTION("CONNECT") {
    json review = Review(JavaDeployment(), "CONNECT");
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    CHECK_FALSE(CheckResponse(out, review).contains("patch"));
    CHECK(out.operation == "CONNECT");
  }
  SECTION("a ConfigMap") {
    json review = Review(json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c"}, "data": {"image": "eclipse-temurin:21"}})"));
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    CHECK_FALSE(CheckResponse(out, review).contains("patch"));
    CHECK(out.kind == "other");
    CHECK(out.outcome == "skipped");
    CHECK(out.report.objects.empty());
  }
  SECTION("a custom resource that reuses the name Deployment") {
    json object = JavaDeployment();
    object["apiVersion"] = "example.com/v1";
    json review = Review(object);
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    CHECK_FALSE(CheckResponse(out, review).contains("patch"));
    CHECK(out.kind == "other");
  }
  SECTION("the scale subresource") {
    json review = Review(JavaDeployment(), "UPDATE");
    review["request"]["subResource"] = "scale";
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    CHECK_FALSE(CheckResponse(out, review).contains("patch"));
    CHECK(out.outcome == "skipped");
  }
}

TEST_CASE("a controller-made Pod with generateName and no namespace", "[admission]") {
  json pod = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"generateName": "cart-7d9f8c-", "labels": {"app": "cart"}},
    "spec": {"containers": [{"name": "app", "image": "eclipse-temurin:21-jre"}]}})");
  json review = Review(pod);
  review["request"]["namespace"] = "checkout";
  auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
  json response = CheckResponse(out, review, &pod);
  REQUIRE(response.contains("patch"));
  CHECK(pod["metadata"]["annotations"][kInjectJava] == "true");
  CHECK(pod["metadata"]["generateName"] == "cart-7d9f8c-");
  REQUIRE(out.report.objects.size() == 1);
  CHECK(out.report.objects[0].name == "cart-7d9f8c-");
  CHECK(out.report.objects[0].namespace_ == "checkout");
  CHECK(out.kind == "Pod");

  SECTION("the request's namespace selects the per-namespace Instrumentation") {
    AdmissionPolicy policy;
    policy.namespace_instrumentation = {{"checkout", "observability/java"}};
    json fresh = review["request"]["object"];
    auto scoped = HandleAdmission(review.dump(), policy);
    CheckResponse(scoped, review, &fresh);
    CHECK(fresh["metadata"]["annotations"][kInjectJava] == "observability/java");
  }
}

TEST_CASE("patches apply with and without metadata and annotations", "[admission]") {
  const json container = {{"name", "app"}, {"image", "eclipse-temurin:21-jre"}};
  const json pod_spec = {{"containers", {container}}};
  struct Case {
    const char* name;
    json object;
    json::json_pointer template_at;
  };
  std::vector<Case> cases = {
      {"Deployment without template metadata",
       {{"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", {{"name", "a"}}},
        {"spec", {{"template", {{"spec", pod_spec}}}}}},
       json::json_pointer("/spec/template")},
      {"StatefulSet with annotations",
       {{"apiVersion", "apps/v1"},
        {"kind", "StatefulSet"},
        {"metadata", {{"name", "b"}}},
        {"spec",
         {{"template", {{"metadata", {{"annotations", {{"x/y", "z"}}}}}, {"spec", pod_spec}}}}}},
       json::json_pointer("/spec/template")},
      {"CronJob without template metadata",
       {{"apiVersion", "batch/v1"},
        {"kind", "CronJob"},
        {"metadata", {{"name", "c"}}},
        {"spec",
         {{"schedule", "@daily"},
          {"jobTemplate", {{"spec", {{"template", {{"spec", pod_spec}}}}}}}}}},
       json::json_pointer("/spec/jobTemplate/spec/template")},
      {"Pod without metadata",
       {{"apiVersion", "v1"}, {"kind", "Pod"}, {"spec", pod_spec}},
       json::json_pointer("")},
  };
  for (Case& c : cases) {
    INFO(c.name);
    json review = Review(c.object);
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    json patched = c.object;
    json response = CheckResponse(out, review, &patched);
    REQUIRE(response.contains("patch"));
    const json& annotations = patched.at(c.template_at).at("metadata").at("annotations");
    CHECK(annotations[kInjectJava] == "true");
    const json& before = c.object.at(c.template_at);
    if (before.contains("metadata")) {
      for (const auto& [key, value] : before["metadata"]["annotations"].items()) {
        CHECK(annotations[key] == value);  // the user's annotations are kept
      }
    }
  }
}

TEST_CASE("undecodable bodies get HTTP 400", "[admission]") {
  json good = Review(JavaDeployment());
  json no_request = good;
  no_request.erase("request");
  json no_uid = good;
  no_uid["request"].erase("uid");
  json empty_uid = good;
  empty_uid["request"]["uid"] = "";
  json wrong_version = good;
  wrong_version["apiVersion"] = "admission.k8s.io/v2";
  json wrong_kind = good;
  wrong_kind["kind"] = "TokenReview";
  for (const std::string& body :
       {std::string("not json"), std::string(""), std::string("[1,2]"),
        std::string("{\"apiVersion\": "), no_request.dump(), no_uid.dump(), empty_uid.dump(),
        wrong_version.dump(), wrong_kind.dump()}) {
    INFO(body.substr(0, 80));
    auto out = HandleAdmission(body, AdmissionPolicy{});
    CHECK(out.http_status == 400);
    CHECK(out.outcome == "error");
    CHECK_FALSE(out.error.empty());
  }
}

TEST_CASE("an internal failure fails open", "[admission]") {
  SECTION("the policy throws") {
    AdmissionPolicy policy;
    policy.decide = [](const auto&, const auto&) -> Decision {
      throw std::logic_error("simulated policy bug");
    };
    json review = Review(JavaDeployment());
    auto out = HandleAdmission(review.dump(), policy);
    json response = CheckResponse(out, review);
    CHECK_FALSE(response.contains("patch"));
    CHECK_FALSE(response.contains("patchType"));
    REQUIRE(response["warnings"].size() == 1);
    CHECK(response["warnings"][0].get<std::string>().find("internal error") != std::string::npos);
    CHECK(out.outcome == "error");
    CHECK(out.error == "simulated policy bug");
    CHECK(out.kind == "Deployment");
  }
  SECTION("a decision that no patch can express") {
    // annotations of the wrong type: the view sees none, the policy adds keys, no patch applies.
    json object = JavaDeployment();
    object["spec"]["template"]["metadata"]["annotations"] = "not-a-map";
    json review = Review(object);
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    json response = CheckResponse(out, review);
    CHECK_FALSE(response.contains("patch"));
    CHECK(out.outcome == "error");
  }
  SECTION("a CREATE without an object") {
    json review = Review(JavaDeployment());
    review["request"].erase("object");
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    CHECK_FALSE(CheckResponse(out, review).contains("patch"));
    CHECK(out.outcome == "error");
  }
}

TEST_CASE("warnings for workloads that were not instrumented", "[admission]") {
  SECTION("an application image with no language hint warns") {
    json object = JavaDeployment();
    object["spec"]["template"]["spec"]["containers"][0] = {
        {"name", "app"}, {"image", "registry.example.com/shop/cart:1.4.2"}};
    json review = Review(object);
    auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
    json response = CheckResponse(out, review);
    CHECK_FALSE(response.contains("patch"));
    CHECK(out.outcome == "skipped");
    REQUIRE(response.contains("warnings"));
    CHECK(response["warnings"] == json{"traceassist: deployment/cart container app: language "
                                       "unknown; set traceassist.io/language"});
  }
  SECTION("infrastructure and opt-outs do not warn") {
    json redis = JavaDeployment();
    redis["metadata"]["name"] = "redis";
    redis["spec"]["template"]["spec"]["containers"][0] = {{"name", "redis"},
                                                          {"image", "redis:7.2-alpine"}};
    json opted_out = JavaDeployment();
    opted_out["spec"]["template"]["metadata"]["annotations"] = {
        {"traceassist.io/instrument", "false"}};
    for (const json& object : {redis, opted_out}) {
      json review = Review(object);
      auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
      json response = CheckResponse(out, review);
      CHECK_FALSE(response.contains("patch"));
      CHECK_FALSE(response.contains("warnings"));
      CHECK(out.outcome == "skipped");
    }
  }
  SECTION("warning lines are built from the report and kept short") {
    Decision d;
    d.report.kind = "Deployment";
    d.report.name = std::string(80, 'n');
    d.report.status = ObjectStatus::kSkipped;
    d.report.reasons = {"language_unknown"};
    ContainerReport sidecar;
    sidecar.name = "istio-proxy";
    sidecar.language = Language::kNone;
    sidecar.reason = "language_unknown";  // infrastructure never warns, whatever the reason says
    ContainerReport app;
    app.name = "app";
    app.reason = "language_unknown";
    ContainerReport go;
    go.name = "worker";
    go.language = Language::kGo;
    go.reason = "go_disabled";
    d.report.containers = {sidecar, app, go};
    auto lines = AdmissionWarnings(d);
    REQUIRE(lines.size() == 2);
    for (const auto& line : lines) CHECK(line.size() <= kMaxWarningLength);
    CHECK(lines[0].rfind("traceassist: deployment/nnn", 0) == 0);
    CHECK(lines[0].substr(lines[0].size() - 3) == "...");

    Decision opted;
    opted.report.kind = "Deployment";
    opted.report.name = "cart";
    opted.report.status = ObjectStatus::kSkipped;
    opted.report.reasons = {"opted_out"};
    CHECK(AdmissionWarnings(opted).empty());
    opted.report.reasons = {"no_pod_template"};
    CHECK(AdmissionWarnings(opted) ==
          std::vector<std::string>{"traceassist: deployment/cart: no usable pod template"});
  }
}

TEST_CASE("audit mode warns with what it would add and returns no patch", "[admission]") {
  AdmissionPolicy policy;
  policy.audit = true;
  json review = Review(JavaDeployment());
  auto out = HandleAdmission(review.dump(), policy);
  json response = CheckResponse(out, review);
  CHECK_FALSE(response.contains("patch"));
  CHECK_FALSE(response.contains("patchType"));
  REQUIRE(response.contains("warnings"));
  bool mentions_inject = false;
  for (const auto& w : response["warnings"]) {
    const auto line = w.get<std::string>();
    CHECK(line.rfind("traceassist (audit): deployment/cart would ", 0) == 0);
    if (line.find(std::string(kInjectJava) + "=true") != std::string::npos) mentions_inject = true;
  }
  CHECK(mentions_inject);
  CHECK(out.outcome == "skipped");
  CHECK_FALSE(out.report.changes_made);
}

TEST_CASE("an UPDATE corrects TraceAssist's own annotations and keeps the user's", "[admission]") {
  json object = JavaDeployment();
  object["spec"]["template"]["metadata"]["annotations"] = {{"team", "payments"}};
  json created = Review(object);
  CheckResponse(HandleAdmission(created.dump(), AdmissionPolicy{}), created, &object);
  REQUIRE(object["spec"]["template"]["metadata"]["annotations"].contains(kInjectJava));

  // The image changes language: the annotation TraceAssist wrote follows it.
  json old_object = object;
  object["spec"]["template"]["spec"]["containers"][0] = {
      {"name", "app"}, {"image", "python:3.12-slim"}, {"command", {"gunicorn", "app:app"}}};
  json update = Review(object, "UPDATE");
  update["request"]["oldObject"] = old_object;
  auto out = HandleAdmission(update.dump(), AdmissionPolicy{});
  json response = CheckResponse(out, update, &object);
  REQUIRE(response.contains("patch"));
  CHECK(out.outcome == "patched");
  const json& annotations = object["spec"]["template"]["metadata"]["annotations"];
  CHECK_FALSE(annotations.contains(kInjectJava));
  CHECK(annotations["instrumentation.opentelemetry.io/inject-python"] == "true");
  CHECK(annotations["team"] == "payments");

  // A user's own inject annotation (no ownership marker) is never touched.
  json user = JavaDeployment();
  user["spec"]["template"]["metadata"]["annotations"] = {{kInjectJava, "observability/custom"}};
  json user_update = Review(user, "UPDATE");
  auto user_out = HandleAdmission(user_update.dump(), AdmissionPolicy{});
  CHECK_FALSE(CheckResponse(user_out, user_update).contains("patch"));
  CHECK_FALSE(json::parse(user_out.body)["response"].contains("warnings"));
}

namespace {

json JavaPodSpec() {
  return json::parse(R"({"containers": [{"name": "app", "image": "eclipse-temurin:21-jre",
                                          "command": ["java", "-jar", "/app/cart.jar"]}]})");
}

json JavaTemplate() {
  return {{"metadata", {{"labels", {{"app", "cart"}}}}}, {"spec", JavaPodSpec()}};
}

json OwnerReference(const std::string& api_version, const std::string& kind,
                    const std::string& name, bool controller) {
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"name", name},
          {"uid", "6f0e0a4e-2f7d-4c55-9d8b-0d0e1f2a3b4c"},
          {"controller", controller},
          {"blockOwnerDeletion", true}};
}

// What a controller makes: a Deployment's ReplicaSet, a CronJob's Job, a ReplicaSet's Pod.
struct Owned {
  const char* what;
  json object;  // without ownerReferences
  json owner;   // its controller's reference
  std::string ref;
};

std::vector<Owned> ControllerMadeObjects() {
  json replica_set = {
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata", {{"name", "cart-7d9f8c"}, {"namespace", "shop"}}},
      {"spec", {{"replicas", 2}, {"selector", {{"matchLabels", {{"app", "cart"}}}}}}}};
  replica_set["spec"]["template"] = JavaTemplate();
  json job = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", {{"name", "report-29400000"}, {"namespace", "shop"}}},
              {"spec", {{"template", JavaTemplate()}}}};
  job["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"generateName", "cart-7d9f8c-"}, {"labels", {{"app", "cart"}}}}},
              {"spec", JavaPodSpec()}};
  return {
      {"ReplicaSet owned by a Deployment", replica_set,
       OwnerReference("apps/v1", "Deployment", "cart", true), "replicaset/cart-7d9f8c"},
      {"Job owned by a CronJob", job, OwnerReference("batch/v1", "CronJob", "report", true),
       "job/report-29400000"},
      {"Pod owned by a ReplicaSet", pod,
       OwnerReference("apps/v1", "ReplicaSet", "cart-7d9f8c", true), "pod/cart-7d9f8c-"},
  };
}

json AnnotationsOf(const json& object) {
  const json& tmpl = object["kind"] == "Pod" ? object : object["spec"]["template"];
  return tmpl["metadata"].value("annotations", json::object());
}

}  // namespace

TEST_CASE("objects a controller owns are left to their owner in workloads mode", "[admission]") {
  for (const Owned& c : ControllerMadeObjects()) {
    for (const char* version : {"admission.k8s.io/v1", "admission.k8s.io/v1beta1"}) {
      for (const char* operation : {"CREATE", "UPDATE"}) {
        INFO(c.what << ", " << version << " " << operation);
        json owned = c.object;
        // Another, non-controlling owner first: only the controller entry counts.
        owned["metadata"]["ownerReferences"] = {OwnerReference("v1", "ConfigMap", "keeper", false),
                                                c.owner};
        json review = Review(owned, operation, version);
        auto out = HandleAdmission(review.dump(), AdmissionPolicy{});
        json response = CheckResponse(out, review);
        CHECK_FALSE(response.contains("patch"));
        CHECK_FALSE(response.contains("warnings"));
        CHECK(out.outcome == "skipped");
        CHECK(out.reason == "owned_by_controller");
        CHECK(out.kind == c.object["kind"]);
        CHECK(out.operation == operation);
        REQUIRE(out.report.objects.size() == 1);
        CHECK(out.report.objects[0].Ref() == c.ref);
        CHECK(out.report.objects[0].reasons == std::vector<std::string>{"owned_by_controller"});
        CHECK_FALSE(out.report.changes_made);

        json unowned = c.object;
        json plain = Review(unowned, operation, version);
        auto patched = HandleAdmission(plain.dump(), AdmissionPolicy{});
        REQUIRE(CheckResponse(patched, plain, &unowned).contains("patch"));
        CHECK(patched.outcome == "patched");
        CHECK(patched.reason.empty());
        CHECK(AnnotationsOf(unowned)[kInjectJava] == "true");

        // An owner that is not the controller (controller: false or absent) changes nothing.
        json not_controller = c.object;
        json reference = c.owner;
        reference["controller"] = false;
        json without_flag = c.owner;
        without_flag.erase("controller");
        not_controller["metadata"]["ownerReferences"] = {reference, without_flag};
        json weak = Review(not_controller, operation, version);
        auto weak_out = HandleAdmission(weak.dump(), AdmissionPolicy{});
        REQUIRE(CheckResponse(weak_out, weak, &not_controller).contains("patch"));
        CHECK(AnnotationsOf(not_controller)[kInjectJava] == "true");
      }
    }
  }
}

TEST_CASE("in pods mode the Pods a controller makes are instrumented", "[admission]") {
  AdmissionPolicy pods_mode;
  pods_mode.options.instrument_owned = true;  // TRACEASSIST_WEBHOOK_TARGET=pods
  const Owned pod = ControllerMadeObjects()[2];
  for (const char* version : {"admission.k8s.io/v1", "admission.k8s.io/v1beta1"}) {
    INFO(version);
    json owned = pod.object;
    owned["metadata"]["ownerReferences"] = {pod.owner};
    json review = Review(owned, "CREATE", version);
    review["request"]["namespace"] = "shop";
    auto out = HandleAdmission(review.dump(), pods_mode);
    REQUIRE(CheckResponse(out, review, &owned).contains("patch"));
    CHECK(out.outcome == "patched");
    CHECK(out.reason.empty());
    CHECK(AnnotationsOf(owned)[kInjectJava] == "true");
    CHECK(owned["metadata"]["ownerReferences"] == json{pod.owner});

    // The same review in workloads mode (the default policy) is left alone.
    auto workloads = HandleAdmission(review.dump(), AdmissionPolicy{});
    CHECK_FALSE(CheckResponse(workloads, review).contains("patch"));
    CHECK(workloads.reason == "owned_by_controller");
  }
}

TEST_CASE("owned_by_controller never warns in admission", "[admission]") {
  Decision d;
  d.report.kind = "ReplicaSet";
  d.report.name = "cart-7d9f8c";
  d.report.status = ObjectStatus::kSkipped;
  d.report.reasons = {"owned_by_controller"};
  d.warnings = {{0, "replicaset/cart-7d9f8c", "owned_by_controller", "owned by controller x"}};
  CHECK(AdmissionWarnings(d).empty());
}
