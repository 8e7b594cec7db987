// libFuzzer target: the POST /workflow/instrument request decoder (HandleInstrumentRequest: JSON
// body in, status and JSON answer out, no HTTP) on arbitrary bytes. Properties beyond "no crash":
//   - the status is 200 or 400 (500 is an internal failure);
//   - every answer is a JSON object; errors carry a stable code and a message that does not quote
//     the manifest;
//   - a 200 answer has modified_manifest_content (string) and changes_made (bool), and sending the
//     modified manifest again changes nothing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "instrument_api.h"

namespace {

using nlohmann::json;
namespace tw = traceassist::webhook;

// The answer's segments joined (HandleInstrumentRequest never joins them itself).
std::string Joined(const std::vector<std::string>& segments) {
  std::string joined;
  for (const std::string& segment : segments) joined += segment;
  return joined;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "request property violated: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tw::RewriteSlots slots(2);
  const traceassist::instrument::Options defaults;
  const traceassist::instrument::TextLimits limits;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const tw::InstrumentApiResult result =
      tw::HandleInstrumentRequest(std::string(body), defaults, limits, slots);
  if (result.status != 200 && result.status != 400) Fail("status " + std::to_string(result.status));
  const json answer = json::parse(Joined(result.body), nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) Fail("the answer is not a JSON object");
  const json request = json::parse(body, nullptr, false);
  if (result.status == 400) {
    if (!answer.contains("code") || !answer["code"].is_string() || answer["code"] != result.code) {
      Fail("an error without its code");
    }
    const auto manifest = request.is_object() && request.contains("manifest_content") &&
                                  request["manifest_content"].is_string()
                              ? request["manifest_content"].get<std::string>()
                              : std::string();
    if (manifest.size() >= 16 && answer.value("message", "").find(manifest) != std::string::npos) {
      Fail("the error message quotes the manifest");
    }
    return 0;
  }
  if (!answer.contains("modified_manifest_content") ||
      !answer["modified_manifest_content"].is_string() || !answer.contains("changes_made") ||
      !answer["changes_made"].is_boolean()) {
    Fail("a 200 answer without modified_manifest_content / changes_made");
  }
  json again = request;
  again["manifest_content"] = answer["modified_manifest_content"];
  const tw::InstrumentApiResult second =
      tw::HandleInstrumentRequest(again.dump(), defaults, limits, slots);
  if (second.status != 200) Fail("the modified manifest is refused");
  if (second.changes_made) Fail("the modified manifest changes again");
  return 0;
}
