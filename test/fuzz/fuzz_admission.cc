// libFuzzer target: the admission webhook's HandleAdmission on arbitrary bytes (JSON
// AdmissionReviews from the seeds, mutated). Properties beyond "no crash":
//   - the status is 200 or 400 (never 500: internal failures fail open);
//   - a 200 body is an AdmissionReview whose response echoes request.uid and is allowed;
//   - a patch comes with patchType JSONPatch, is base64 of a JSON array, applies to request.object
//     (nlohmann's RFC 6902 implementation), and the patched object needs no further patch.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "traceassist/webhook/admission.h"

namespace {

using nlohmann::json;
namespace tw = traceassist::webhook;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "admission property violated: %s\n", what.c_str());
  std::abort();
}

std::string DecodeBase64(std::string_view in) {
  static const std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) Fail("patch is not base64");
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

const tw::AdmissionPolicy& Policy() {
  static const tw::AdmissionPolicy policy;
  return policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const tw::AdmissionOutcome outcome = tw::HandleAdmission(body, Policy());
  if (outcome.http_status == 400) return 0;
  if (outcome.http_status != 200) Fail("status " + std::to_string(outcome.http_status));

  const json review = json::parse(outcome.body, nullptr, false);
  if (review.is_discarded() || !review.is_object()) Fail("the 200 body is not a JSON object");
  const json request = json::parse(body, nullptr, false);
  const auto& response = review.at("response");
  if (!request.is_object() || !request.contains("request"))
    Fail("200 for a body without a request");
  if (response.at("uid") != request["request"].at("uid"))
    Fail("response.uid does not echo request.uid");
  if (response.at("allowed") != true) Fail("not allowed");
  if (!response.contains("patch")) {
    if (response.contains("patchType")) Fail("patchType without patch");
    return 0;
  }
  if (response.value("patchType", "") != "JSONPatch") Fail("patch without patchType JSONPatch");
  const json patch =
      json::parse(DecodeBase64(response["patch"].get<std::string>()), nullptr, false);
  if (!patch.is_array() || patch.empty()) Fail("the patch is not a non-empty JSON array");
  json patched;
  try {
    patched = request["request"].at("object").patch(patch);
  } catch (const json::exception& e) {
    Fail(std::string("the patch does not apply to the object: ") + e.what());
  }
  json again = request;
  again["request"]["object"] = patched;
  const tw::AdmissionOutcome second = tw::HandleAdmission(again.dump(), Policy());
  if (second.http_status != 200) Fail("the patched object is refused");
  const json second_review = json::parse(second.body, nullptr, false);
  if (second_review.is_discarded() || second_review["response"].contains("patch")) {
    Fail("the patched object gets another patch");
  }
  return 0;
}
