#include "traceassist/instrument/policy.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace traceassist::instrument;

namespace {

ContainerView C(std::string name, std::string image,
                ContainerRole role = ContainerRole::kContainer) {
  ContainerView c;
  c.name = std::move(name);
  c.image = std::move(image);
  c.role = role;
  return c;
}

WorkloadView W(std::vector<ContainerView> containers, Annotations annotations = {}) {
  WorkloadView w;
  w.kind = "Deployment";
  w.name = "cart";
  w.has_template = true;
  w.containers = std::move(containers);
  w.annotations = std::move(annotations);
  return w;
}

const std::string* Get(const Annotations& a, std::string_view key) {
  for (const auto& [k, v] : a) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::vector<std::string> Codes(const Decision& d) {
  std::vector<std::string> codes;
  for (const auto& w : d.warnings) codes.push_back(w.code);
  return codes;
}

}  // namespace

TEST_CASE("single language: inject key, container-names, ownership marker", "[policy]") {
  const Decision d =
      Decide(W({C("app", "eclipse-temurin:21"), C("istio-proxy", "istio/proxyv2:1.2")}), {});
  CHECK(d.report.status == ObjectStatus::kInstrumented);
  CHECK(d.set == Annotations{{"instrumentation.opentelemetry.io/inject-java", "true"},
                             {"instrumentation.opentelemetry.io/container-names", "app"},
                             {"traceassist.io/managed",
                              "inject-java,container-names,digests=4db211e5.1f6a832c"}});
  CHECK(d.remove.empty());
  CHECK(d.warnings.empty());
}

TEST_CASE("mixed pods use only the per-language container keys; nginx has its odd key",
          "[policy]") {
  Options o;
  o.enable_nginx = true;
  o.instrumentation = "observability/default";
  const Decision d =
      Decide(W({C("api", "node:20"), C("edge", "nginx:1.23.1"), C("worker", "node:20")}), o);
  CHECK(Get(d.set, "instrumentation.opentelemetry.io/container-names") == nullptr);
  REQUIRE(Get(d.set, "instrumentation.opentelemetry.io/nodejs-container-names"));
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/nodejs-container-names") == "api,worker");
  REQUIRE(Get(d.set, "instrumentation.opentelemetry.io/inject-nginx-container-names"));
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/inject-nginx-container-names") == "edge");
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/inject-nodejs") == "observability/default");
  CHECK(Get(d.set, "instrumentation.opentelemetry.io/nginx-container-names") == nullptr);
}

TEST_CASE("multi-instrumentation off keeps the dominant language with a warning", "[policy]") {
  Options o;
  o.multi_instrumentation = false;
  const Decision d = Decide(W({C("a", "python:3"), C("b", "node:20"), C("c", "node:20")}), o);
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/inject-nodejs") == "true");
  CHECK(Get(d.set, "instrumentation.opentelemetry.io/inject-python") == nullptr);
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/container-names") == "b,c");
  CHECK(Codes(d) == std::vector<std::string>{"multi_instrumentation_off"});
}

TEST_CASE("Go needs the flag, an absolute executable and a single container", "[policy]") {
  ContainerView go = C("svc", "golang:1.22");
  go.command = {"/usr/local/bin/svc"};
  const Decision off = Decide(W({go}), {});
  CHECK(off.report.status == ObjectStatus::kSkipped);
  CHECK(off.report.reasons == std::vector<std::string>{"go_disabled"});

  Options o;
  o.enable_go = true;
  const Decision on = Decide(W({go}), o);
  CHECK(*Get(on.set, "instrumentation.opentelemetry.io/otel-go-auto-target-exe") ==
        "/usr/local/bin/svc");
  CHECK(Codes(on) == std::vector<std::string>{"go_privileged"});

  ContainerView relative = go;
  relative.command = {"svc"};
  CHECK(Decide(W({relative}), o).report.reasons == std::vector<std::string>{"go_exe_unknown"});
  CHECK(Decide(W({relative}, {{"traceassist.io/go-target-exe", "/srv/svc"}}), o).set.size() == 4);

  WorkloadView shared = W({go});
  shared.share_process_namespace = false;
  CHECK(Decide(shared, o).report.reasons ==
        std::vector<std::string>{"go_share_process_namespace_false"});
  CHECK(Decide(W({go, C("redis", "redis:7")}), o).report.reasons ==
        std::vector<std::string>{"go_multiple_containers"});
}

TEST_CASE("musl images get the platform keys", "[policy]") {
  const Decision py = Decide(W({C("a", "python:3.12-alpine")}), {});
  CHECK(*Get(py.set, "instrumentation.opentelemetry.io/otel-python-platform") == "musl");
  const Decision net = Decide(W({C("a", "mcr.microsoft.com/dotnet/aspnet:8.0-alpine")}), {});
  CHECK(*Get(net.set, "instrumentation.opentelemetry.io/otel-dotnet-auto-runtime") ==
        "linux-musl-x64");
}

TEST_CASE("user-owned Operator annotations are never touched", "[policy]") {
  const Decision d = Decide(
      W({C("a", "node:20")}, {{"instrumentation.opentelemetry.io/inject-java", "my-inst"}}), {});
  CHECK(d.report.status == ObjectStatus::kSkipped);
  CHECK(d.report.reasons.front() == "already_configured");
  CHECK_FALSE(d.changes());
}

TEST_CASE("our own annotations are corrected when the image changes, and removed on opt-out",
          "[policy]") {
  const Annotations ours{{"instrumentation.opentelemetry.io/inject-java", "true"},
                         {"instrumentation.opentelemetry.io/container-names", "a"},
                         {"traceassist.io/managed", "inject-java,container-names"}};
  CHECK(Decide(W({C("a", "openjdk:17")}, ours), {}).report.status == ObjectStatus::kUnchanged);

  const Decision moved = Decide(W({C("a", "python:3.12")}, ours), {});
  CHECK(moved.report.status == ObjectStatus::kInstrumented);
  CHECK(*Get(moved.set, "instrumentation.opentelemetry.io/inject-python") == "true");
  CHECK(moved.remove == std::vector<std::string>{"instrumentation.opentelemetry.io/inject-java"});

  Annotations opted = ours;
  opted.emplace_back("traceassist.io/instrument", "false");
  const Decision out = Decide(W({C("a", "openjdk:17")}, opted), {});
  CHECK(out.report.reasons == std::vector<std::string>{"opted_out"});
  CHECK(out.remove.size() == 3);
  CHECK(out.warnings.empty());

  Options remove;
  remove.action = Action::kRemove;
  const Decision un = Decide(W({C("a", "openjdk:17")}, ours), remove);
  CHECK(un.report.status == ObjectStatus::kUninstrumented);
  CHECK(un.remove.size() == 3);
}

TEST_CASE("overrides: container flag > container annotation > workload annotation > --language",
          "[policy]") {
  Options o;
  o.language = Language::kPython;
  o.container_languages["b"] = Language::kJava;
  const Decision d = Decide(W({C("a", "example.com/a"), C("b", "example.com/b"),
                               C("c", "example.com/c"), C("r", "redis:7")},
                              {{"traceassist.io/container-languages", "c=dotnet"}}),
                            o);
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/python-container-names") == "a");
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/java-container-names") == "b");
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/dotnet-container-names") == "c");
  CHECK(d.report.containers[3].language == Language::kNone);  // --language never applies to redis

  const Decision bad = Decide(W({C("a", "node:20")}, {{"traceassist.io/language", "cobol"}}), {});
  CHECK(bad.report.reasons == std::vector<std::string>{"invalid_override"});
  CHECK(bad.report.status == ObjectStatus::kInstrumented);
}

TEST_CASE("operator skip cases are reported: valueFrom, OTEL_DOTNET_AUTO_HOME", "[policy]") {
  ContainerView java = C("a", "openjdk:17");
  java.env.push_back({"JAVA_TOOL_OPTIONS", "", true});
  const Decision d = Decide(W({java}), {});
  CHECK(d.report.reasons == std::vector<std::string>{"env_value_from"});
  ContainerView net = C("a", "mcr.microsoft.com/dotnet/aspnet:8.0");
  net.env.push_back({"OTEL_DOTNET_AUTO_HOME", "/otel", false});
  CHECK(Decide(W({net}), {}).report.reasons == std::vector<std::string>{"dotnet_auto_home_set"});
}

TEST_CASE("init containers are reported but instrumented only on request", "[policy]") {
  const auto w =
      W({C("app", "node:20"), C("migrate", "python:3.12", ContainerRole::kInitContainer)});
  const Decision d = Decide(w, {});
  CHECK(*Get(d.set, "instrumentation.opentelemetry.io/container-names") == "app");
  CHECK(d.report.containers[1].language == Language::kPython);
  CHECK(d.report.containers[1].reason == "init_containers_off");
  Options o;
  o.init_containers = true;
  const Decision both = Decide(w, o);
  CHECK(*Get(both.set, "instrumentation.opentelemetry.io/python-container-names") == "migrate");
}

TEST_CASE("infrastructure-only and unknown workloads are skipped with the right reason",
          "[policy]") {
  const Decision redis = Decide(W({C("redis", "redis:7")}), {});
  CHECK(redis.report.reasons == std::vector<std::string>{"no_app_container"});
  CHECK(redis.warnings.empty());
  const Decision unknown = Decide(W({C("x", "example.com/x")}), {});
  CHECK(unknown.report.reasons == std::vector<std::string>{"language_unknown"});
  REQUIRE(unknown.warnings.size() == 1);
  CHECK(unknown.warnings[0].message ==
        "container x: language unknown; set traceassist.io/language");
}

TEST_CASE("Instrumentation references are validated", "[policy]") {
  CHECK(ValidateInstrumentationRef("true").ok());
  CHECK(ValidateInstrumentationRef("my-instrumentation").ok());
  CHECK(ValidateInstrumentationRef("observability/java").ok());
  CHECK_FALSE(ValidateInstrumentationRef("yes please").ok());
  CHECK_FALSE(ValidateInstrumentationRef("false").ok());
  CHECK_FALSE(ValidateInstrumentationRef("/x").ok());
  CHECK_FALSE(ValidateInstrumentationRef("Upper").ok());
}

TEST_CASE("a change that would take the annotations over 256 KiB is not made", "[policy]") {
  // Kubernetes counts keys and values of all the template's annotations together: 262144 bytes.
  const std::string key = "example.com/notes";
  const auto with_notes = [&](std::size_t bytes) {
    return W({C("app", "eclipse-temurin:21")}, {{key, std::string(bytes - key.size(), 'x')}});
  };
  const Decision fits = Decide(with_notes(200 * 1024), {});
  CHECK(fits.report.status == ObjectStatus::kInstrumented);
  CHECK_FALSE(fits.set.empty());

  const Decision over = Decide(with_notes(262144 - 100), {});
  CHECK(over.report.status == ObjectStatus::kSkipped);
  CHECK(over.set.empty());
  CHECK(over.remove.empty());
  CHECK(over.report.annotations_added.empty());
  CHECK(over.report.reasons == std::vector<std::string>{"annotations_too_large"});
  REQUIRE(over.report.containers.size() == 1);
  CHECK_FALSE(over.report.containers[0].instrumented);
  CHECK(over.report.containers[0].reason == "annotations_too_large");
  CHECK(Codes(over) == std::vector<std::string>{"annotations_too_large"});
  // The limit itself is allowed.
  std::size_t added = 0;
  for (const auto& [k, v] : fits.set) added += k.size() + v.size();
  CHECK(Decide(with_notes(262144 - added), {}).report.status == ObjectStatus::kInstrumented);
  CHECK(Decide(with_notes(262144 - added + 1), {}).report.status == ObjectStatus::kSkipped);
}

TEST_CASE("a managed value the user edited by hand is the user's from then on", "[policy]") {
  const std::string inject = "instrumentation.opentelemetry.io/inject-java";
  const std::string names = "instrumentation.opentelemetry.io/container-names";
  const Decision first = Decide(W({C("a", "openjdk:17")}), {});
  REQUIRE(first.report.status == ObjectStatus::kInstrumented);
  Annotations edited = first.set;
  edited[0].second = "observability/java";  // pointed at another Instrumentation by hand

  // A later instrument leaves the template alone and says why.
  const Decision again = Decide(W({C("a", "openjdk:17")}, edited), {});
  CHECK(again.report.status == ObjectStatus::kSkipped);
  CHECK(again.report.reasons.front() == "already_configured");
  CHECK_FALSE(again.changes());
  REQUIRE(again.warnings.size() == 1);
  CHECK(again.warnings[0].code == "already_configured");
  CHECK_THAT(again.warnings[0].message, Catch::Contains(inject) && Catch::Contains("by hand"));

  // uninstrument removes what is still TraceAssist's and keeps the edited value, saying so.
  Options remove;
  remove.action = Action::kRemove;
  const Decision un = Decide(W({C("a", "openjdk:17")}, edited), remove);
  CHECK(un.report.status == ObjectStatus::kUninstrumented);
  CHECK(un.remove == std::vector<std::string>{names, "traceassist.io/managed"});
  REQUIRE(un.warnings.size() == 1);
  CHECK_THAT(un.warnings[0].message, Catch::Contains(inject) && Catch::Contains("kept"));

  // Unedited, everything TraceAssist wrote goes, and a re-run changes nothing.
  CHECK(Decide(W({C("a", "openjdk:17")}, first.set), remove).remove.size() == 3);
  CHECK(Decide(W({C("a", "openjdk:17")}, first.set), {}).report.status == ObjectStatus::kUnchanged);

  // TraceAssist's own change (the image moved to Python) is not an edit: the values and the
  // digests follow.
  const Decision moved = Decide(W({C("a", "python:3.12")}, first.set), {});
  CHECK(moved.report.status == ObjectStatus::kInstrumented);
  CHECK(moved.remove == std::vector<std::string>{inject});
  CHECK(*Get(moved.set, "traceassist.io/managed") ==
        "inject-python,container-names,digests=4db211e5.e40c292c");

  // A marker whose digests no longer pair with its keys was edited by hand: every key is the
  // user's.
  Annotations tampered = first.set;
  tampered[2].second = "inject-java,container-names,digests=4db211e5";
  const Decision t = Decide(W({C("a", "openjdk:17")}, tampered), remove);
  CHECK(t.remove == std::vector<std::string>{"traceassist.io/managed"});
  CHECK(t.warnings.size() == 2);
}

TEST_CASE("an opt-out removes the keys still TraceAssist's and keeps one edited by hand",
          "[policy]") {
  const std::string prefix = "instrumentation.opentelemetry.io/";
  Options o;
  o.multi_instrumentation = true;
  const std::vector<ContainerView> both{C("j", "openjdk:17"), C("p", "python:3.12")};
  const Decision first = Decide(W(both), o);
  REQUIRE(first.report.status == ObjectStatus::kInstrumented);
  Annotations edited = first.set;
  for (auto& [key, value] : edited) {
    if (key == prefix + "inject-java") value = "my-inst";
  }
  REQUIRE(Decide(W(both, edited), o).report.reasons.front() == "already_configured");

  edited.emplace_back("traceassist.io/instrument", "false");
  const Decision out = Decide(W(both, edited), o);
  CHECK(out.report.status == ObjectStatus::kSkipped);
  CHECK(out.report.reasons.front() == "opted_out");
  CHECK(out.set.empty());
  std::vector<std::string> removed = out.remove;
  std::sort(removed.begin(), removed.end());
  CHECK(removed ==
        std::vector<std::string>{prefix + "inject-python", prefix + "java-container-names",
                                 prefix + "python-container-names", "traceassist.io/managed"});
  REQUIRE(out.warnings.size() == 1);
  CHECK_THAT(out.warnings[0].message,
             Catch::Contains(prefix + "inject-java") && Catch::Contains("kept"));
}

TEST_CASE("a marker written before digests is read as before and kept while right", "[policy]") {
  const Annotations old{{"instrumentation.opentelemetry.io/inject-java", "true"},
                        {"instrumentation.opentelemetry.io/container-names", "a"},
                        {"traceassist.io/managed", "inject-java,container-names,annotations: ~"}};
  // Right as it stands: no churn (a --check gate or a GitOps diff would see one).
  CHECK(Decide(W({C("a", "openjdk:17")}, old), {}).report.status == ObjectStatus::kUnchanged);
  // Without digests, an edit cannot be told: the keys count as TraceAssist's, and its next change
  // records the digests (the record of what stood there stays).
  Annotations edited = old;
  edited[1].second = "a,b";
  const Decision d = Decide(W({C("a", "openjdk:17")}, edited), {});
  CHECK(d.report.status == ObjectStatus::kInstrumented);
  CHECK(d.set == Annotations{{"instrumentation.opentelemetry.io/container-names", "a"},
                             {"traceassist.io/managed",
                              "inject-java,container-names,digests=4db211e5.e40c292c,"
                              "annotations: ~"}});
  Options remove;
  remove.action = Action::kRemove;
  CHECK(Decide(W({C("a", "openjdk:17")}, old), remove).remove.size() == 3);
}
