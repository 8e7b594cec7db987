// POST /workflow/instrument without HTTP: options validation and the answer chosen by error code.
#include "instrument_api.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "instrument_answer.h"

using namespace traceassist;
using nlohmann::json;

namespace {

webhook::InstrumentApiResult Post(const json& request) {
  static webhook::RewriteSlots slots(1);
  return webhook::HandleInstrumentRequest(request.dump(), instrument::Options{},
                                          instrument::TextLimits{}, slots);
}

// The answer's segments, joined and parsed.
json Body(const std::vector<std::string>& segments) {
  std::string joined;
  for (const std::string& s : segments) joined += s;
  return json::parse(joined);
}

// `n` one-container Deployments, ~170 bytes each.
std::string Workloads(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += "---\n";
    out += "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-" + std::to_string(i) +
           "\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n"
           "          image: eclipse-temurin:21-jre\n";
  }
  return out;
}

}  // namespace

TEST_CASE("an internal library failure answers 500, bad input 400 invalid_yaml", "[api]") {
  const auto internal = webhook::RewriteFailure(instrument::Status::Internal("internal error: x"));
  CHECK(internal.status == 500);
  CHECK(internal.code == "internal_error");
  CHECK(Body(internal.body)["code"] == "internal_error");

  for (const instrument::Status& input :
       {instrument::Status::InvalidInput("invalid YAML", {1, 2, 3}),
        instrument::Status::LimitExceeded("input is 9 bytes; the limit is 1 bytes"),
        instrument::Status::UnsupportedLayout("layout")}) {
    const auto answer = webhook::RewriteFailure(input);
    CHECK(answer.status == 400);
    CHECK(answer.code == "invalid_yaml");
  }
  const auto located = webhook::RewriteFailure(instrument::Status::InvalidInput("bad", {1, 2, 3}));
  CHECK(Body(located.body)["line"] == 2);

  const auto yaml = Post({{"manifest_content", "a: [unclosed"}});
  CHECK(yaml.status == 400);
  CHECK(yaml.code == "invalid_yaml");
}

TEST_CASE("the API refuses language unknown, as the CLI and pod annotations do", "[api]") {
  for (const json& options :
       {json{{"language", "unknown"}}, json{{"container_languages", {{"app", "unknown"}}}}}) {
    const auto answer = Post({{"manifest_content", "kind: Deployment\n"}, {"options", options}});
    CHECK(answer.status == 400);
    CHECK(answer.code == "invalid_options");
  }
  const auto ok =
      Post({{"manifest_content", "kind: Deployment\n"},
            {"options", {{"language", "java"}, {"container_languages", {{"app", "none"}}}}}});
  CHECK(ok.status == 200);
}

TEST_CASE("a manifest answered in pieces is answered as if rewritten whole", "[api]") {
  const std::string manifest = Workloads(4000);  // ~0.7 MB: three pieces, full report
  REQUIRE(manifest.size() > 2 * webhook::kPieceBytes);
  REQUIRE(manifest.size() < webhook::kCompactReportBytes);
  const auto whole = instrument::RewriteManifests(manifest, {});
  REQUIRE(whole.ok());
  const auto answer = webhook::RewriteForAnswer(manifest, {}, {}, false);
  REQUIRE(answer.error.ok());
  CHECK(answer.segments.size() > 6);
  const json got = Body(answer.segments);
  const json want = instrument::ToJson(whole.value().report);
  CHECK(got["modified_manifest_content"] == whole.value().text);
  CHECK(got["changes_made"] == true);
  CHECK(got["objects"] == want["objects"]);
  CHECK(got["warnings"] == want["warnings"]);
  CHECK_FALSE(got.contains("report"));
  CHECK(answer.summary.objects == 4000);
  CHECK(answer.summary.instrumented == 4000);

  // An error in the last piece is located in the whole manifest.
  const auto bad = webhook::RewriteForAnswer(manifest + "---\nkind: [\n", {}, {}, false);
  const auto whole_bad = instrument::RewriteManifests(manifest + "---\nkind: [\n", {});
  REQUIRE_FALSE(whole_bad.ok());
  CHECK(bad.error.where().document == whole_bad.status().where().document);
  CHECK(bad.error.where().line == whole_bad.status().where().line);
  CHECK(bad.error.code() == whole_bad.status().code());
}

TEST_CASE("over 1 MiB the report is compact", "[api]") {
  const std::string manifest = Workloads(7000);
  REQUIRE(manifest.size() > webhook::kCompactReportBytes);
  const json got = Body(webhook::RewriteForAnswer(manifest, {}, {}, false).segments);
  CHECK(got["report"] == "compact");
  REQUIRE(got["objects"].size() == 7000);
  CHECK(got["objects"][6999] == json{{"document", 7000},
                                     {"line", 76993},
                                     {"kind", "Deployment"},
                                     {"name", "web-6999"},
                                     {"namespace", ""},
                                     {"status", "instrumented"},
                                     {"reasons", json::array()}});
}
