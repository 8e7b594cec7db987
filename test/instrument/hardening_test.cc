// Hostile inputs for the library that must end quickly with an error (not hang or crash). The
// command-line level checks (time and memory bounds) are in test/scripts/adversarial_*.sh.
#include <catch2/catch.hpp>
#include <chrono>

#include "traceassist/instrument/detector.h"
#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;

TEST_CASE("a stray ',' at the start of a document is an error, not an endless parse",
          "[hardening]") {
  const auto start = std::chrono::steady_clock::now();
  for (const char* input : {",\n", ",", "# c\n, x\n", "a: 1\n---\n,\n---\nb: 2\n"}) {
    INFO(input);
    const auto result = RewriteManifests(input, {});
    REQUIRE(!result.ok());
    CHECK(result.status().message().find("unexpected `,`") != std::string::npos);
    CHECK(result.status().where().line > 0);
    CHECK(!DetectManifests(input, {}).ok());
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  const auto mid = RewriteManifests("a: 1\n---\n,\n", {});
  CHECK(RewriteManifests(",\n", {}).status().where().document == 1);
  CHECK(mid.status().where().line == 3);
}

TEST_CASE("a rules file that is a stray ',' is refused", "[hardening]") {
  CHECK(!LoadDetectionRules(",\n").ok());
}

TEST_CASE("a tag line between metadata and its entries is skipped, never made unparsable",
          "[hardening]") {
  const std::string input =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: r}\nspec:\n  template:\n    "
      "metadata:\n"
      "     !labels:\n        app: reviews\n    spec:\n      containers:\n        - name: reviews\n"
      "          image: eclipse-temurin:21\n";
  const auto result = RewriteManifests(input, {});
  REQUIRE(result.ok());
  CHECK(result.value().text == input);
  REQUIRE(result.value().report.objects.size() == 1);
  CHECK(result.value().report.objects[0].reasons.front() == "unsupported_layout");
}
