// POST /workflow/instrument without HTTP: options validation and the answer chosen by error code.
#include "instrument_api.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace traceassist;
using nlohmann::json;

namespace {

webhook::InstrumentApiResult Post(const json& request) {
  static webhook::RewriteSlots slots(1);
  return webhook::HandleInstrumentRequest(request.dump(), instrument::Options{},
                                          instrument::TextLimits{}, slots);
}

}  // namespace

TEST_CASE("an internal library failure answers 500, bad input 400 invalid_yaml", "[api]") {
  const auto internal = webhook::RewriteFailure(instrument::Status::Internal("internal error: x"));
  CHECK(internal.status == 500);
  CHECK(internal.code == "internal_error");
  CHECK(json::parse(internal.body)["code"] == "internal_error");

  for (const instrument::Status& input :
       {instrument::Status::InvalidInput("invalid YAML", {1, 2, 3}),
        instrument::Status::LimitExceeded("input is 9 bytes; the limit is 1 bytes"),
        instrument::Status::UnsupportedLayout("layout")}) {
    const auto answer = webhook::RewriteFailure(input);
    CHECK(answer.status == 400);
    CHECK(answer.code == "invalid_yaml");
  }
  const auto located = webhook::RewriteFailure(instrument::Status::InvalidInput("bad", {1, 2, 3}));
  CHECK(json::parse(located.body)["line"] == 2);

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
