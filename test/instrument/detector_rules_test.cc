// One test per detection rule, each from a container written for it (never from the shared corpus,
// which measures the rules and must not be what they are fitted to).
#include <catch2/catch.hpp>

#include "traceassist/instrument/detector.h"
#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;

namespace {

struct Spec {
  std::string image;
  std::vector<std::string> command = {};
  std::vector<std::string> args = {};
  std::vector<std::string> env = {};
};

Detection Detect(const Spec& s) {
  ContainerView c;
  c.name = "app";
  c.image = s.image;
  c.command = s.command;
  c.args = s.args;
  for (const auto& name : s.env) c.env.push_back({name, "x", false});
  return DetectLanguage(c, nullptr);
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p + "; ";
  return out;
}

void Expect(const Spec& s, Language language, Confidence confidence) {
  const Detection d = Detect(s);
  INFO(s.image << " -> " << ToString(d.language) << "/" << ToString(d.confidence) << " from "
               << Joined(d.evidence));
  CHECK(d.language == language);
  CHECK(d.confidence == confidence);
}

void ExpectNoLanguage(const Spec& s) {
  const Detection d = Detect(s);
  INFO(s.image << " -> " << ToString(d.language) << " from " << Joined(d.evidence));
  CHECK((d.language == Language::kUnknown || d.language == Language::kNone));
}

}  // namespace

TEST_CASE("a runtime word in the image name is low confidence: named, not instrumented alone",
          "[detector][rules]") {
  Expect({"registry.example.com/shop/orders-java:1.4"}, Language::kJava, Confidence::kLow);
  Expect({"ghcr.io/acme/billing_dotnet:2"}, Language::kDotnet, Confidence::kLow);
  Expect({"acme/reports.python:7"}, Language::kPython, Confidence::kLow);
  Expect({"acme/api-golang:3"}, Language::kGo, Confidence::kLow);
  Expect({"acme/web-nodejs:1"}, Language::kNodejs, Confidence::kLow);
  Expect({"acme/catalog-spring-boot:1"}, Language::kJava, Confidence::kLow);
  Expect({"acme/checkout-django:1"}, Language::kPython, Confidence::kLow);

  WorkloadView w;
  w.kind = "Deployment";
  w.has_template = true;
  ContainerView c;
  c.name = "orders";
  c.image = "registry.example.com/shop/orders-java:1.4";
  w.containers.push_back(c);
  const Decision d = Decide(w, Options{});
  CHECK_FALSE(d.changes());
  REQUIRE(d.report.containers.size() == 1);
  CHECK(d.report.containers[0].reason == "low_confidence");
}

TEST_CASE("bare node/go/py words and registry hosts are not runtime words", "[detector][rules]") {
  for (const char* image :
       {"acme/node-agent:1", "acme/go-worker:1", "acme/py-utils:1", "acme/cargo:2",
        "java.example.com/team/ledger:1", "acme/js-frontend:1", "acme/node_feature_probe:1"}) {
    ExpectNoLanguage({image});
  }
}

TEST_CASE("an image word agrees with or yields to stronger signals", "[detector][rules]") {
  // Agreeing: a medium signal and the word give medium, which instruments at the default.
  Expect({"acme/orders-spring:1", {}, {}, {"JAVA_OPTS"}}, Language::kJava, Confidence::kMedium);
  // Disagreeing: the medium signal leads, trusted one level less for the other language's word.
  Expect({"acme/python-bridge:1", {}, {}, {"NODE_ENV"}}, Language::kNodejs, Confidence::kLow);
}

TEST_CASE("an official runtime image name is the library image or its mirror, not a component",
          "[detector][rules]") {
  Expect({"mirror.example.com/node:20"}, Language::kNodejs, Confidence::kHigh);
  Expect({"mirror.example.com/library/python:3.12"}, Language::kPython, Confidence::kHigh);
  Expect({"localhost:5000/openjdk:21"}, Language::kJava, Confidence::kHigh);
  ExpectNoLanguage({"calico/node:v3.28.0"});
  // Another project's "python" repository is only a word of its name.
  Expect({"acme/python:1"}, Language::kPython, Confidence::kLow);
}

TEST_CASE(".NET hierarchical configuration keys in env names", "[detector][rules]") {
  Expect({"acme/cart:1", {}, {}, {"Logging__LogLevel__Default"}}, Language::kDotnet,
         Confidence::kMedium);
  Expect({"acme/cart:1", {}, {}, {"Kestrel__Endpoints__Http__Url"}}, Language::kDotnet,
         Confidence::kMedium);
  // Several keys are one convention, one signal.
  const Detection many = Detect(
      {"acme/cart:1", {}, {}, {"Logging__LogLevel__Default", "AzureAd__ClientId", "Redis__Host"}});
  CHECK(many.language == Language::kDotnet);
  CHECK(many.confidence == Confidence::kMedium);
  CHECK(many.evidence.size() == 1);
  // ConnectionStrings is .NET's own section, in any case.
  Expect({"acme/cart:1", {}, {}, {"ConnectionStrings__Default"}}, Language::kDotnet,
         Confidence::kMedium);
  Expect({"acme/cart:1", {}, {}, {"CONNECTIONSTRINGS__ORDERS"}}, Language::kDotnet,
         Confidence::kMedium);
  // Other frameworks' double underscores: Airflow and pydantic (upper case), nconf (lower case).
  for (const char* name : {"AIRFLOW__CORE__EXECUTOR", "APP__DB__HOST", "database__connection__host",
                           "Logging__", "__Private", "Logging__log-level"}) {
    ExpectNoLanguage({"acme/svc:1", {}, {}, {name}});
  }
}

TEST_CASE("framework variables name their language at medium confidence", "[detector][rules]") {
  struct Case {
    const char* env;
    Language language;
  } cases[] = {
      {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", Language::kPython},
      {"LOCUST_USERS", Language::kPython},
      {"UVICORN_WORKERS", Language::kPython},
      {"GUNICORN_WORKERS", Language::kPython},
      {"DJANGO_DEBUG", Language::kPython},
      {"FLASK_ENV", Language::kPython},
      {"CELERY_RESULT_BACKEND", Language::kPython},
      {"RAILS_LOG_TO_STDOUT", Language::kRuby},
      {"SPRING_JPA_HIBERNATE_DDL_AUTO", Language::kJava},
      {"MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", Language::kJava},
      {"EUREKA_CLIENT_SERVICEURL_DEFAULTZONE", Language::kJava},
      {"QUARKUS_PROFILE", Language::kJava},
      {"MICRONAUT_ENVIRONMENTS", Language::kJava},
      {"JAVA_OPTS_APPEND", Language::kJava},
  };
  for (const auto& c : cases) {
    INFO(c.env);
    Expect({"registry.example.com/team/svc:1", {}, {}, {c.env}}, c.language, Confidence::kMedium);
  }
}

TEST_CASE("a framework prefix does not count for another service's address", "[detector][rules]") {
  // The proxy in front of Locust's web UI, a service calling a Spring one, a Celery broker URL.
  for (const char* name : {"LOCUST_WEB_HOST", "LOCUST_WEB_PORT", "SPRING_BOOT_ADMIN_URL",
                           "CELERY_BROKER_URL", "DJANGO_API_ENDPOINT", "FLASK_SERVICE_ADDR"}) {
    ExpectNoLanguage({"acme/proxy:1", {}, {}, {name}});
  }
  // Exact names of a runtime's own variables still count.
  Expect({"acme/app:1", {}, {}, {"LOCUST_WEB_PORT", "LOCUST_USERS"}}, Language::kPython,
         Confidence::kMedium);
}

TEST_CASE("Go runtime variables only support other Go evidence: no privileged sidecar on their own",
          "[detector][rules]") {
  ExpectNoLanguage({"acme/svc:1", {}, {}, {"GOMAXPROCS", "GOMEMLIMIT"}});
  ExpectNoLanguage(
      {"ghcr.io/open-feature/flagd:v0.12", {"/flagd-build", "start"}, {}, {"GOMEMLIMIT"}});
  const Detection d = Detect({"golang:1.22", {}, {}, {"GOMAXPROCS"}});
  CHECK(d.language == Language::kGo);
  CHECK(d.confidence == Confidence::kMedium);
  CHECK(d.evidence == std::vector<std::string>{"image golang:1.22", "env GOMAXPROCS"});
}

TEST_CASE("application server scripts under their home are Java", "[detector][rules]") {
  Expect({"acme/legacy:1", {"/opt/apache-tomcat-9.0.85/bin/catalina.sh", "run"}}, Language::kJava,
         Confidence::kHigh);
  Expect({"acme/legacy:1", {"/usr/local/tomcat/bin/start.sh"}}, Language::kJava, Confidence::kHigh);
  Expect({"acme/legacy:1", {"/opt/jboss/wildfly/bin/standalone.sh", "-b", "0.0.0.0"}},
         Language::kJava, Confidence::kHigh);
  Expect({"acme/legacy:1", {"sh", "-c", "/opt/wildfly-30.0/bin/domain.sh --host-config=h.xml"}},
         Language::kJava, Confidence::kMedium);
  Expect({"acme/legacy:1", {}, {"/opt/apache-tomcat-10.1/bin/startup.sh"}}, Language::kJava,
         Confidence::kHigh);
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"/opt/kafka/bin/kafka-server-start.sh", "/config/server.properties"},
           {"/app/start.sh"},
           {"/opt/app/bin/standalone"}}) {
    INFO(command[0]);
    ExpectNoLanguage({"acme/svc:1", command});
  }
}

TEST_CASE("file arguments count only for the program that runs them", "[detector][rules]") {
  // Utilities moving a runtime's files are utilities (the init container called Java before).
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"cp", "/sample.war", "/app"},
           {"sh", "-c", "cp /sample.war /shared/ && chmod 644 /shared/sample.war"},
           {"sh", "-c", "mv /tmp/app.jar /deployments/"},
           {"tar", "-C", "/srv", "-xf", "/dist/site.py"},
           {"/entrypoint.sh", "app.jar"},
           {"bash", "-c", "ln -s /opt/lib/server.js /app/server.js"}}) {
    INFO(command.back());
    ExpectNoLanguage({"acme/init:1", command});
  }
  CHECK(Detect({"busybox-like/copier:1", {"cp", "/sample.war", "/app"}}).language ==
        Language::kNone);
  // A utility outweighs a low hint such as a runtime word in the image name.
  const Detection copier = Detect({"acme/orders-java-init:1", {"cp", "/agent.jar", "/shared/"}});
  CHECK(copier.language == Language::kNone);
  CHECK(copier.evidence == std::vector<std::string>{"command cp"});
  // The runtime's own file: the launcher and its argument agree.
  const Detection java = Detect({"acme/app:1", {"java", "-jar", "/app/app.jar"}});
  CHECK(java.language == Language::kJava);
  CHECK(java.evidence == std::vector<std::string>{"command java", "argument app.jar"});
  Expect({"acme/app:1", {"sh", "-c", "exec java -jar /app/app.jar"}}, Language::kJava,
         Confidence::kHigh);
  Expect({"acme/app:1", {"sh", "-c", "cp /config/app.py /app/ && python /app/app.py"}},
         Language::kPython, Confidence::kHigh);
  // Wrappers and assignments before the program are skipped.
  Expect({"acme/app:1", {"tini", "--", "node", "server.js"}}, Language::kNodejs, Confidence::kHigh);
  Expect({"acme/app:1", {"env", "PORT=8080", "python3.12", "main.py"}}, Language::kPython,
         Confidence::kHigh);
  Expect({"acme/app:1", {"sh", "-c", "PORT=8080 exec gosu app node dist/main.js"}},
         Language::kNodejs, Confidence::kHigh);
}

TEST_CASE("with no command, an interpreter in args must be followed by what it runs",
          "[detector][rules]") {
  ExpectNoLanguage({"acme/csi-driver:1", {}, {"node", "--endpoint=unix:/csi/csi.sock", "--v=2"}});
  Expect({"acme/web:1", {}, {"node", "server.js"}}, Language::kNodejs, Confidence::kHigh);
  Expect({"acme/web:1", {}, {"node", "--max-old-space-size=512", "dist/main.js"}},
         Language::kNodejs, Confidence::kHigh);
  Expect({"acme/api:1", {}, {"python", "-m", "api"}}, Language::kPython, Confidence::kHigh);
  Expect({"acme/web:1", {}, {"npm", "start"}}, Language::kNodejs, Confidence::kHigh);
}

TEST_CASE("what the user said applies to a bare base image with no command",
          "[detector][rules][policy]") {
  const std::string annotated = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: tool}
spec:
  template:
    metadata:
      annotations: {traceassist.io/language: python}
    spec:
      containers:
      - {name: tool, image: "ubuntu:22.04"}
      - {name: cache, image: "redis:7"}
      - {name: pause, image: "busybox:1.36", command: [sleep, infinity]}
)";
  auto out = RewriteManifests(annotated, Options{});
  REQUIRE(out.ok());
  const auto& object = out.value().report.objects.at(0);
  CHECK(object.status == ObjectStatus::kInstrumented);
  REQUIRE(object.containers.size() == 3);
  CHECK(object.containers[0].instrumented);
  CHECK(object.containers[0].language == Language::kPython);
  // Recognised infrastructure and utilities stay what they are.
  CHECK(object.containers[1].language == Language::kNone);
  CHECK(object.containers[2].language == Language::kNone);

  const std::string bare = R"(apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers: [{name: app, image: "gcr.io/distroless/static-debian12"}]
)";
  Options flag;
  flag.language = Language::kJava;
  auto with_flag = RewriteManifests(bare, flag);
  REQUIRE(with_flag.ok());
  CHECK(with_flag.value().report.objects.at(0).status == ObjectStatus::kInstrumented);
  auto without = RewriteManifests(bare, Options{});
  REQUIRE(without.ok());
  CHECK(without.value().report.objects.at(0).reasons ==
        std::vector<std::string>{"no_app_container"});
}
