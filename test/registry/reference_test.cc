#include "traceassist/registry/reference.h"

#include <catch2/catch.hpp>

#include "www_authenticate.h"

using traceassist::registry::ParseReference;
using traceassist::registry::ParseWwwAuthenticate;
using traceassist::registry::Reference;

namespace {
Reference Ok(std::string_view text) {
  auto parsed = ParseReference(text);
  INFO(text << " -> " << (parsed.index() == 1 ? std::get<1>(parsed) : ""));
  REQUIRE(parsed.index() == 0);
  return std::get<Reference>(parsed);
}
std::string Error(std::string_view text) {
  auto parsed = ParseReference(text);
  INFO(text);
  REQUIRE(parsed.index() == 1);
  return std::get<std::string>(parsed);
}
}  // namespace

TEST_CASE("references get Docker's defaults") {
  CHECK(Ok("nginx").ToString() == "docker.io/library/nginx:latest");
  CHECK(Ok("nginx:1.25").ToString() == "docker.io/library/nginx:1.25");
  CHECK(Ok("buoyantio/emojivoto-web:v10").ToString() == "docker.io/buoyantio/emojivoto-web:v10");
  CHECK(Ok("index.docker.io/library/redis").ToString() == "docker.io/library/redis:latest");
  const auto gar =
      Ok("us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/adservice:v0.10.6");
  CHECK(gar.registry == "us-central1-docker.pkg.dev");
  CHECK(gar.repository == "online-boutique-ci/microservices-demo/adservice");
  CHECK(gar.tag == "v0.10.6");
  const auto local = Ok("localhost:5000/team/app");
  CHECK(local.registry == "localhost:5000");
  CHECK(local.tag == "latest");
  CHECK(Ok("localhost:5000").ToString() ==
        "docker.io/library/localhost:5000");  // as Docker reads it
}

TEST_CASE("digests are kept, checked, and win over tags") {
  const std::string hex(64, 'a');
  const auto r = Ok("busybox:1.38.0@sha256:" + hex);
  CHECK(r.tag == "1.38.0");
  CHECK(r.digest == "sha256:" + hex);
  CHECK(r.ManifestRef() == r.digest);
  CHECK(Ok("ghcr.io/a/b@sha256:" + hex).tag.empty());
  CHECK(Error("busybox@sha256:abc").find("hex digits") != std::string::npos);
  CHECK(Error("busybox@md5:" + hex).find("not supported") != std::string::npos);
  CHECK(Error("busybox@sha256:" + std::string(64, 'A')).find("lower-case") != std::string::npos);
}

TEST_CASE("placeholders and invalid references are refused with a reason") {
  CHECK(
      Error("us-central1-docker.pkg.dev/PROJECT_ID/gke-scheduled-autoscaler/custom-metric-exporter")
          .find("lower-case") != std::string::npos);
  CHECK(Error("${REPOSITORY_PREFIX}/spring-petclinic-cloud-customers-service:latest")
            .find("placeholder") != std::string::npos);
  CHECK(Error("$REGISTRY/app").find("placeholder") != std::string::npos);
  CHECK(Error("").find("empty") != std::string::npos);
  CHECK(Error("nginx:").find("empty tag") != std::string::npos);
  CHECK(Error("nginx:-bad").find("tag") != std::string::npos);
  CHECK(Error("a//b").find("component") != std::string::npos);
  CHECK(Error("bad_host_/x").find("component") != std::string::npos);
  CHECK(Error("ex ample/app").find("white space") != std::string::npos);
  CHECK(Error("ghcr.io/" + std::string(300, 'a')).find("255") != std::string::npos);
  CHECK(Error("-host.io/a").find("not valid") != std::string::npos);
}

TEST_CASE("WWW-Authenticate challenges are parsed") {
  auto c = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "bearer");
  CHECK(c[0].params["realm"] == "https://auth.docker.io/token");
  CHECK(c[0].params["service"] == "registry.docker.io");
  CHECK(c[0].params["scope"] == "repository:library/nginx:pull");

  c = ParseWwwAuthenticate(
      R"(Basic realm="Registry Realm", Bearer realm="https://x/t", error="insufficient_scope")");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "basic");
  CHECK(c[1].params["error"] == "insufficient_scope");

  c = ParseWwwAuthenticate(R"(Bearer realm="a\"b", SERVICE=svc)");
  REQUIRE(c.size() == 1);
  CHECK(c[0].params["realm"] == "a\"b");
  CHECK(c[0].params["service"] == "svc");

  CHECK(ParseWwwAuthenticate("").empty());
  CHECK(ParseWwwAuthenticate("Bearer realm=\"unterminated").size() == 1);
  CHECK(ParseWwwAuthenticate("=====").empty());
}
