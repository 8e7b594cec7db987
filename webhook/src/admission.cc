// AdmissionReview in, AdmissionReview out: decoding, the policy on the JSON object, the JSON Patch,
// warnings and the fail-open path.
#include "traceassist/webhook/admission.h"

#include <algorithm>
#include <array>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "traceassist/common/text.h"
#include "traceassist/instrument/json_object.h"
#include "traceassist/instrument/reason.h"

namespace traceassist::webhook {
namespace {

using instrument::ContainerReport;
using instrument::Decision;
using instrument::Language;
using nlohmann::json;

constexpr std::string_view kReviewKind = "AdmissionReview";
constexpr std::array<std::string_view, 2> kReviewVersions = {"admission.k8s.io/v1",
                                                             "admission.k8s.io/v1beta1"};

// Cuts a line to kMaxWarningLength bytes without splitting a UTF-8 sequence.
std::string Shorten(std::string line) {
  if (line.size() <= kMaxWarningLength) return line;
  std::size_t cut = kMaxWarningLength - 3;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  line.resize(cut);
  return line + "...";
}

// Reasons not worth a warning on every apply (Warns::kNever): the user chose them, or there is
// nothing an application team could change (infrastructure, an Operator that already injected).
bool IsQuietReason(std::string_view code) {
  if (code.empty()) return true;
  const auto reason = instrument::ParseReason(code);
  return reason && instrument::Info(*reason).warns == instrument::Warns::kNever;
}

// What the user reads after "traceassist: deployment/cart container app: ".
std::string ReasonText(std::string_view code, Language language) {
  if (const auto reason = instrument::ParseReason(code)) {
    return instrument::FormatReason(
        instrument::Info(*reason).admission_text,
        {.lang = instrument::ToString(language), .confidence = {}, .key = {}, .detail = {}});
  }
  std::string text(code);  // a code from a newer library: readable enough
  for (char& ch : text) {
    if (ch == '_') ch = ' ';
  }
  return text;
}

class WarningList {
 public:
  void Add(std::string line) {
    line = Shorten(std::move(line));
    if (seen_.insert(line).second) lines_.push_back(std::move(line));
  }
  std::vector<std::string> Take() { return std::move(lines_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> lines_;
};

std::string WorkloadApiVersion(const json& request_kind) {
  const std::string group = request_kind.value("group", "");
  const std::string version = request_kind.value("version", "");
  return group.empty() ? version : group + "/" + version;
}

std::string OperationLabel(std::string_view operation) {
  for (std::string_view known : {"CREATE", "UPDATE", "DELETE", "CONNECT"}) {
    if (operation == known) return std::string(known);
  }
  return "other";
}

// The parts of a request that identify it, read before anything can fail open.
struct DecodedReview {
  std::string api_version;
  json request;
};

// Fills `out` with a 400 and returns nullopt when the body is not an AdmissionReview we can answer.
std::optional<DecodedReview> Decode(std::string_view body, AdmissionOutcome& out) {
  auto reject = [&out](std::string reason) -> std::optional<DecodedReview> {
    out.http_status = 400;
    out.outcome = "error";
    out.error = reason;
    out.body = std::move(reason);
    return std::nullopt;
  };
  json review = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (review.is_discarded()) return reject("request body is not JSON");
  if (!review.is_object()) return reject("request body is not an AdmissionReview object");
  const auto api_version = review.find("apiVersion");
  if (api_version == review.end() || !api_version->is_string() ||
      std::find(kReviewVersions.begin(), kReviewVersions.end(), api_version->get<std::string>()) ==
          kReviewVersions.end()) {
    return reject("apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1");
  }
  const auto kind = review.find("kind");
  if (kind == review.end() || *kind != kReviewKind) return reject("kind must be AdmissionReview");
  auto request = review.find("request");
  if (request == review.end() || !request->is_object())
    return reject("AdmissionReview has no request");
  const auto uid = request->find("uid");
  if (uid == request->end() || !uid->is_string() || uid->get_ref<const std::string&>().empty()) {
    return reject("AdmissionReview request has no uid");
  }
  out.uid = uid->get<std::string>();
  return DecodedReview{api_version->get<std::string>(), std::move(*request)};
}

std::string ResponseBody(const std::string& api_version, const std::string& uid,
                         const std::vector<std::string>& warnings, const json* patch) {
  json response = {{"uid", uid}, {"allowed", true}};
  if (patch != nullptr) {
    // patchType and patch always together: the API server rejects one without the other.
    response["patchType"] = "JSONPatch";
    response["patch"] = common::Base64(patch->dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (!warnings.empty()) response["warnings"] = warnings;
  return json{{"apiVersion", api_version}, {"kind", kReviewKind}, {"response", std::move(response)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

// Decides on a decoded request: fills the outcome and warnings, returns the patch to send (none
// when nothing changes or in audit mode). May throw (nlohmann or the policy); the caller fails
// open.
std::optional<json> DecideReview(const DecodedReview& review, const AdmissionPolicy& policy,
                                 AdmissionOutcome& out, WarningList& warnings) {
  const json& request = review.request;
  out.operation = OperationLabel(request.value("operation", ""));
  out.dry_run = request.value("dryRun", false);
  if (out.operation != "CREATE" && out.operation != "UPDATE") {
    out.outcome = "skipped";
    return std::nullopt;
  }
  const json empty = json::object();
  const json& request_kind = request.contains("kind") ? request["kind"] : empty;
  const std::string kind = request_kind.value("kind", "");
  if (!instrument::IsWorkloadKind(kind) ||
      !instrument::IsWorkloadApiVersion(kind, WorkloadApiVersion(request_kind)) ||
      !request.value("subResource", "").empty()) {
    out.outcome = "skipped";
    return std::nullopt;
  }
  out.kind = kind;
  auto object_it = request.find("object");
  if (object_it == request.end() || !object_it->is_object()) {
    throw std::runtime_error(out.operation + " request without an object");
  }
  const json& object = *object_it;
  if (object.value("kind", "") != kind) {
    throw std::runtime_error("object kind does not match request kind " + kind);
  }

  instrument::WorkloadView view = instrument::ViewFromJson(object);
  // Controller-made Pods carry only generateName and often no namespace: the request has it.
  if (view.namespace_.empty()) view.namespace_ = request.value("namespace", "");

  const instrument::Options* options = &policy.options;
  std::optional<instrument::Options> namespace_options;
  if (auto it = policy.namespace_instrumentation.find(view.namespace_);
      it != policy.namespace_instrumentation.end()) {
    namespace_options = policy.options;
    namespace_options->instrumentation = it->second;
    options = &*namespace_options;
  }

  std::optional<instrument::Options> inspected_options;
  if (policy.inspect_images) {
    std::vector<std::string> images, lines;
    for (const auto& c : view.containers) images.push_back(c.image);
    inspected_options = *options;
    inspected_options->image_facts = policy.inspect_images(images, lines);
    for (std::string& line : lines) warnings.Add(std::move(line));
    options = &*inspected_options;
  }

  Decision decision = policy.decide(view, *options);
  decision.report.kind = view.kind;
  decision.report.name = view.name;
  decision.report.namespace_ = view.namespace_;
  for (instrument::Warning& w : decision.warnings) {
    if (w.object.empty()) w.object = decision.report.Ref();
  }
  for (std::string& line : AdmissionWarnings(decision)) warnings.Add(std::move(line));

  out.report.objects.push_back(decision.report);
  out.report.warnings = decision.warnings;
  if (!decision.changes()) {
    const bool unchanged = decision.report.status == instrument::ObjectStatus::kUnchanged;
    out.outcome = unchanged ? "unchanged" : "skipped";
    if (!unchanged && !decision.report.reasons.empty())
      out.reason = decision.report.reasons.front();
    return std::nullopt;
  }
  json patch = instrument::MakeJsonPatch(object, decision);
  if (patch.empty()) {
    throw std::runtime_error("the decision changes annotations but no patch applies to the object");
  }
  if (policy.audit) {
    const std::string ref = decision.report.Ref();
    for (const auto& [key, value] : decision.set) {
      warnings.Add("traceassist (audit): " + ref + " would set " + key + "=" + value);
    }
    for (const std::string& key : decision.remove) {
      warnings.Add("traceassist (audit): " + ref + " would remove " + key);
    }
    out.outcome = "skipped";
    return std::nullopt;
  }
  out.report.changes_made = true;
  out.outcome = "patched";
  return patch;
}

}  // namespace

std::vector<std::string> AdmissionWarnings(const Decision& decision) {
  WarningList warnings;
  const std::string ref = decision.report.Ref();
  std::set<std::string_view> covered;  // reason codes already explained
  for (const ContainerReport& c : decision.report.containers) {
    if (c.instrumented || c.language == Language::kNone || IsQuietReason(c.reason)) continue;
    warnings.Add("traceassist: " + ref + " container " + c.name + ": " +
                 ReasonText(c.reason, c.language));
    covered.insert(c.reason);
  }
  for (const instrument::Warning& w : decision.warnings) {
    if (IsQuietReason(w.code) || covered.count(w.code) > 0) continue;
    warnings.Add("traceassist: " + ref + ": " + w.message);
    covered.insert(w.code);
  }
  if (decision.report.status == instrument::ObjectStatus::kSkipped && covered.empty() &&
      !decision.report.reasons.empty() && !IsQuietReason(decision.report.reasons.front())) {
    warnings.Add("traceassist: " + ref + ": " +
                 ReasonText(decision.report.reasons.front(), Language::kUnknown));
  }
  return warnings.Take();
}

AdmissionOutcome HandleAdmission(std::string_view body, const AdmissionPolicy& policy) {
  AdmissionOutcome out;
  std::optional<DecodedReview> review;
  try {
    review = Decode(body, out);
  } catch (const std::exception& e) {  // e.g. std::bad_alloc on a huge body
    out.http_status = 400;
    out.error = out.body = std::string("request body could not be decoded: ") + e.what();
    return out;
  }
  if (!review) return out;

  WarningList warnings;
  try {
    const std::optional<json> patch = DecideReview(*review, policy, out, warnings);
    out.body =
        ResponseBody(review->api_version, out.uid, warnings.Take(), patch ? &*patch : nullptr);
  } catch (const std::exception& e) {
    // Fail open. A mutating webhook that only adds instrumentation must never block a workload: a
    // 500 or a denial would fail the user's apply (failurePolicy Ignore covers only calling errors,
    // not a patch that does not apply), while admitting the object unchanged loses only the
    // annotations. The caller logs `error` and counts outcome "error".
    out.outcome = "error";
    out.error = e.what();
    out.report.changes_made = false;
    const std::string what =
        out.report.objects.empty() ? out.kind : out.report.objects.front().Ref();
    std::vector<std::string> lines = {
        Shorten("traceassist: internal error; " + what + " admitted without instrumentation")};
    out.body = ResponseBody(review->api_version, out.uid, lines, nullptr);
  }
  return out;
}

}  // namespace traceassist::webhook
