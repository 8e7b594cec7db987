#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "address_policy.h"
#include "binary_facts.h"
#include "image_json.h"
#include "traceassist/registry/docker_config.h"

using namespace traceassist::registry;

TEST_CASE("manifests and indexes are read, bad ones say why") {
  const std::string hex(64, 'b');
  auto parsed = ParseManifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
          hex +
          R"(","size":10,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
          hex + R"(","size":11,"platform":{"os":"linux","architecture":"amd64"}}]})",
      "");
  REQUIRE(parsed.index() == 0);
  const auto& index = std::get<Manifest>(parsed);
  CHECK(index.is_index);
  std::string error;
  const auto* amd64 = SelectPlatform(index, "linux", "amd64", "", error);
  REQUIRE(amd64 != nullptr);
  CHECK(amd64->size == 11);
  CHECK(SelectPlatform(index, "linux", "s390x", "", error) == nullptr);
  CHECK(error.find("linux/arm64/v8") != std::string::npos);

  parsed =
      ParseManifest(R"({"schemaVersion":2,"config":{"digest":"sha256:)" + hex +
                        R"(","size":5},"layers":[{"digest":"sha256:)" + hex + R"(","size":7}]})",
                    "application/vnd.docker.distribution.manifest.v2+json");
  REQUIRE(parsed.index() == 0);
  CHECK(std::get<Manifest>(parsed).layers.size() == 1);

  auto error_of = [](std::string_view body) {
    auto p = ParseManifest(body, "");
    return p.index() == 1 ? std::get<1>(p) : std::string();
  };
  CHECK(error_of("{").find("not a JSON object") != std::string::npos);
  CHECK(error_of(R"({"schemaVersion":1,"fsLayers":[]})").find("schema 1") != std::string::npos);
  CHECK(error_of(R"({"schemaVersion":2,"config":{"digest":"sha256:x","size":-1}})").find("size") !=
        std::string::npos);
  CHECK(error_of(R"({"schemaVersion":2,"mediaType":"text/html"})").find("unsupported") !=
        std::string::npos);
}

TEST_CASE("image configs give env, entrypoint, labels and history") {
  traceassist::instrument::ImageFacts facts;
  CHECK(ParseImageConfig(
            R"({"config":{"Env":["PATH=/bin","JAVA_HOME=/opt/java"],"Entrypoint":["java"],
    "Cmd":null,"WorkingDir":"/app","Labels":{"org.opencontainers.image.title":"x"}},
    "history":[{"created_by":"ENV A=b"},{"empty_layer":true}]})",
            facts) == "");
  CHECK(facts.env.size() == 2);
  CHECK(facts.entrypoint == std::vector<std::string>{"java"});
  CHECK(facts.cmd.empty());
  CHECK(facts.working_dir == "/app");
  CHECK(facts.labels.size() == 1);
  CHECK(facts.history == std::vector<std::string>{"ENV A=b"});
  CHECK(ParseImageConfig(R"({"config":{"Env":"x"}})", facts).find("Env") != std::string::npos);
  CHECK(ParseImageConfig("[1]", facts).find("not a JSON object") != std::string::npos);
}

TEST_CASE("digests are verified") {
  CHECK(Sha256Digest("") ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(VerifyDigest("", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            .empty());
  CHECK(VerifyDigest("x", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            .find("does not match") != std::string::npos);
  CHECK(VerifyDigest("x", "md5:00").find("unsupported") != std::string::npos);
}

TEST_CASE("the allowlist and address checks") {
  RegistryOptions options;
  CHECK(RegistryRefusal(options, "docker.io").empty());
  CHECK(RegistryRefusal(options, "us-central1-docker.pkg.dev").empty());
  CHECK(RegistryRefusal(options, "registry.istio.io").find("allowlist") != std::string::npos);
  CHECK(RegistryRefusal(options, "127.0.0.1:5000").find("IP literal") != std::string::npos);
  CHECK(RegistryRefusal(options, "[::1]:5000").find("IP literal") != std::string::npos);
  CHECK(RegistryRefusal(options, "localhost:5000").find("allowlist") != std::string::npos);
  CHECK(RegistryRefusal(options, "evilpkg.dev").find("allowlist") != std::string::npos);
  options.extra_registries = {"registry.istio.io"};
  CHECK(RegistryRefusal(options, "registry.istio.io").empty());
  CHECK(IsIpLiteral("127.1"));
  CHECK(IsIpLiteral("2130706433"));
  CHECK_FALSE(IsIpLiteral("docker.io"));
  CHECK_FALSE(IsIpLiteral("a1.b2"));

  auto v4 = [](const char* text) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, text, &a.sin_addr);
    return IsPublicAddress(reinterpret_cast<sockaddr*>(&a));
  };
  auto v6 = [](const char* text) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &a.sin6_addr);
    return IsPublicAddress(reinterpret_cast<sockaddr*>(&a));
  };
  CHECK(v4("8.8.8.8"));
  for (const char* bad : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                          "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255"}) {
    INFO(bad);
    CHECK_FALSE(v4(bad));
  }
  CHECK(v6("2606:4700::1111"));
  for (const char* bad :
       {"::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::", "2001:db8::1", "2002:7f00:1::"}) {
    INFO(bad);
    CHECK_FALSE(v6(bad));
  }
}

TEST_CASE("docker config.json credentials") {
  auto parsed = ParseDockerConfig(R"({"auths":{
    "https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"},
    "ghcr.io":{"username":"u","password":"p:q"},
    "quay.io":{"identitytoken":"refresh"},
    "helper.example":{}},"credsStore":"desktop"})");
  REQUIRE(parsed.index() == 0);
  const auto& creds = std::get<0>(parsed);
  CHECK(creds.size() == 3);
  CHECK(creds.at("docker.io").username == "user");
  CHECK(creds.at("docker.io").password == "pass");
  CHECK(creds.at("ghcr.io").password == "p:q");
  CHECK(creds.at("quay.io").identity_token == "refresh");
  auto bad = ParseDockerConfig(R"({"auths":{"x.io":{"auth":"c2VjcmV0"}}})");  // "secret", no colon
  REQUIRE(bad.index() == 1);
  CHECK(std::get<1>(bad).find("x.io") != std::string::npos);
  CHECK(std::get<1>(bad).find("secret") == std::string::npos);
}

TEST_CASE("ELF interpreter and Go build info are read from real binaries") {
  auto read = [](const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  traceassist::instrument::BinaryFacts facts;
  REQUIRE(ReadBinaryFacts(read("/bin/ls"), facts));
  CHECK(facts.interpreter.find("ld-linux") != std::string::npos);
  CHECK_FALSE(facts.go_build_info);
  CHECK_FALSE(ReadBinaryFacts("#!/bin/sh\n", facts));
  facts = {};
  CHECK(ReadBinaryFacts(std::string("\x7f"
                                    "ELF\x02\x01",
                                    6) +
                            std::string(60, '\xff'),
                        facts));  // damaged
  CHECK(facts.interpreter.empty());
}
