#include "traceassist/instrument/detector.h"

#include <catch2/catch.hpp>

using namespace traceassist::instrument;

namespace {

ContainerView Container(std::string image, std::vector<std::string> command = {},
                        std::vector<std::string> args = {}) {
  ContainerView c;
  c.name = "app";
  c.image = std::move(image);
  c.command = std::move(command);
  c.args = std::move(args);
  return c;
}

}  // namespace

TEST_CASE("image repository and tag are parsed from references", "[detector]") {
  CHECK(ImageRepository("docker.io/library/node:20-alpine") == "node");
  CHECK(ImageRepository("Eclipse-Temurin:21") == "eclipse-temurin");
  CHECK(ImageRepository("registry:5000/team/app:1.2@sha256:abc") == "registry:5000/team/app");
  CHECK(ImageRepository("localhost:5000/python") == "localhost:5000/python");
  CHECK(ImageTag("python:3.12-alpine") == "3.12-alpine");
  CHECK(ImageTag("registry:5000/team/app") == "");
}

TEST_CASE("official runtime images are detected with high confidence", "[detector]") {
  struct Case {
    const char* image;
    Language language;
  } cases[] = {
      {"eclipse-temurin:21-jre", Language::kJava},
      {"gcr.io/distroless/java17-debian12", Language::kJava},
      {"registry.access.redhat.com/ubi9/openjdk-17:latest", Language::kJava},
      {"node:20", Language::kNodejs},
      {"python:3.12-slim", Language::kPython},
      {"mcr.microsoft.com/dotnet/aspnet:8.0", Language::kDotnet},
      {"nginx:1.25", Language::kNginx},
      {"httpd:2.4", Language::kApacheHttpd},
      {"ruby:3.3", Language::kRuby},
      {"mirror.example.com/library/node:18", Language::kNodejs},
  };
  for (const auto& c : cases) {
    INFO(c.image);
    const Detection d = DetectLanguage(Container(c.image), nullptr);
    CHECK(d.language == c.language);
    CHECK(d.confidence == Confidence::kHigh);
    REQUIRE_FALSE(d.evidence.empty());
    CHECK(d.evidence[0] == std::string("image ") + c.image);
  }
}

TEST_CASE("infrastructure images and sidecars are never a language", "[detector]") {
  for (const char* image : {"redis:7", "postgres:16", "docker.io/istio/proxyv2:1.22",
                            "busybox:1.36", "registry.k8s.io/ingress-nginx/controller:v1.10.0",
                            "sysdig/agent", "otel/opentelemetry-collector-contrib:0.98.0"}) {
    INFO(image);
    CHECK(DetectLanguage(Container(image), nullptr).language == Language::kNone);
  }
  ContainerView proxy = Container("example.com/custom-proxy:1");
  proxy.name = "istio-proxy";
  CHECK(DetectLanguage(proxy, nullptr).language == Language::kNone);
}

TEST_CASE("base OS images are not language evidence on their own", "[detector]") {
  const Detection custom = DetectLanguage(Container("alpine:3.19", {"/app/server"}), nullptr);
  CHECK(custom.language == Language::kUnknown);
  CHECK(DetectLanguage(Container("alpine:3.19", {"python3", "main.py"}), nullptr).language ==
        Language::kPython);
  const Detection sleeper = DetectLanguage(Container("alpine:latest", {"sleep", "3600"}), nullptr);
  CHECK(sleeper.language == Language::kNone);
  CHECK(DetectLanguage(Container("ubuntu:22.04"), nullptr).language == Language::kNone);
}

TEST_CASE("custom images: commands, env names, probes decide, or unknown", "[detector]") {
  CHECK(DetectLanguage(Container("example.com/team/app:1"), nullptr).language ==
        Language::kUnknown);
  CHECK(DetectLanguage(Container("example.com/app", {"java", "-jar", "/app.jar"}), nullptr)
            .language == Language::kJava);
  CHECK(
      DetectLanguage(
          Container("example.com/app", {"/bin/sh", "-c", "exec gunicorn app:app -b :80"}), nullptr)
          .language == Language::kPython);
  CHECK(DetectLanguage(Container("example.com/app", {}, {"python3.11", "serve.py"}), nullptr)
            .language == Language::kPython);
  // Arguments to an unknown entrypoint say nothing.
  CHECK(DetectLanguage(Container("example.com/app", {}, {"--port", "8080"}), nullptr).language ==
        Language::kUnknown);

  ContainerView spring = Container("example.com/orders:3");
  spring.env.push_back({"SPRING_PROFILES_ACTIVE", "prod", false});
  const Detection d = DetectLanguage(spring, nullptr);
  CHECK(d.language == Language::kJava);
  CHECK(d.evidence == std::vector<std::string>{"env SPRING_PROFILES_ACTIVE"});

  ContainerView probed = Container("example.com/orders:3");
  probed.probe_paths.push_back("/actuator/health/liveness");
  CHECK(DetectLanguage(probed, nullptr).language == Language::kJava);
  CHECK(DetectLanguage(probed, nullptr).confidence == Confidence::kMedium);
}

TEST_CASE("conflicting signals of equal weight give unknown, not a guess", "[detector]") {
  ContainerView c = Container("example.com/app");
  c.env.push_back({"NODE_ENV", "production", false});
  c.env.push_back({"PYTHONUNBUFFERED", "1", false});
  const Detection d = DetectLanguage(c, nullptr);
  CHECK(d.language == Language::kUnknown);
  REQUIRE_FALSE(d.evidence.empty());
  CHECK(d.evidence[0].find("conflicting") != std::string::npos);
}

TEST_CASE("alpine tags mark musl", "[detector]") {
  CHECK(DetectLanguage(Container("python:3.12-alpine"), nullptr).musl);
  CHECK_FALSE(DetectLanguage(Container("python:3.12-slim"), nullptr).musl);
}

TEST_CASE("user rules are checked first and validated", "[detector][rules]") {
  auto rules = LoadDetectionRules(R"(rules:
  - image: "registry.example.com/payments/*"
    language: java
  - env: MYAPP_*
    language: python
    confidence: medium
  - command: launcher
    language: none
)");
  REQUIRE(rules.ok());
  const DetectionRules* r = rules.value().get();
  const Detection d = DetectLanguage(Container("registry.example.com/payments/ledger:2"), r);
  CHECK(d.language == Language::kJava);
  CHECK(d.evidence == std::vector<std::string>{"rule image registry.example.com/payments/*"});
  ContainerView env = Container("example.com/x");
  env.env.push_back({"MYAPP_MODE", "x", false});
  CHECK(DetectLanguage(env, r).language == Language::kPython);
  CHECK(DetectLanguage(env, r).confidence == Confidence::kMedium);
  CHECK(DetectLanguage(Container("node:20", {"/usr/bin/launcher"}), r).language == Language::kNone);

  auto bad = LoadDetectionRules("rules:\n  - image: x\n    language: cobol\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "rules file: rule 1: unknown language `cobol`");
  CHECK(bad.status().where().line == 3);
  auto two = LoadDetectionRules("rules:\n  - image: x\n    env: Y\n    language: java\n");
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().message().find("exactly one of") != std::string::npos);
  CHECK_FALSE(LoadDetectionRules("rules: [").ok());
}
