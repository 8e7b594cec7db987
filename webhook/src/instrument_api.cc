#include "instrument_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "instrument_answer.h"

namespace traceassist::webhook {
namespace {

using nlohmann::json;

InstrumentApiResult Fail(int status, std::string code, std::string_view message) {
  InstrumentApiResult result;
  result.status = status;
  result.body = {ErrorBody(code, message)};
  result.code = std::move(code);
  return result;
}

// Reads the optional "options" object into `options`; returns an error message or "".
std::string ApplyOptions(const json& given, instrument::Options& options, bool& want_diff,
                         bool& inspect_images) {
  if (!given.is_object()) return "options must be an object";
  for (const auto& [key, value] : given.items()) {
    if (key == "language") {
      if (!value.is_string()) return "options.language must be a string";
      const auto language = instrument::ParseLanguageOverride(value.get_ref<const std::string&>());
      if (!language) return "options.language is not a known language";
      options.language = *language;
    } else if (key == "container_languages") {
      if (!value.is_object())
        return "options.container_languages must map container names to languages";
      for (const auto& [container, name] : value.items()) {
        if (!name.is_string()) return "options.container_languages values must be strings";
        const auto language = instrument::ParseLanguageOverride(name.get_ref<const std::string&>());
        if (!language || container.empty()) {
          return "options.container_languages names a language that is not known";
        }
        options.container_languages[container] = *language;
      }
    } else if (key == "instrumentation") {
      if (!value.is_string()) return "options.instrumentation must be a string";
      const std::string& ref = value.get_ref<const std::string&>();
      const instrument::Status valid = instrument::ValidateInstrumentationRef(ref);
      if (!valid.ok()) return "options.instrumentation: " + valid.message();
      options.instrumentation = ref;
    } else if (key == "enable_go" || key == "enable_nginx" || key == "init_containers" ||
               key == "diff") {
      if (!value.is_boolean()) return fmt::format("options.{} must be a boolean", key);
      const bool on = value.get<bool>();
      if (key == "enable_go") {
        options.enable_go = on;
      } else if (key == "enable_nginx") {
        options.enable_nginx = on;
      } else if (key == "init_containers") {
        options.init_containers = on;
      } else {
        want_diff = on;
      }
    } else if (key == "inspect_images") {
      if (!value.is_boolean()) return "options.inspect_images must be a boolean";
      inspect_images = value.get<bool>();
    } else {
      // Refused rather than ignored: a misspelt option would otherwise silently do nothing.
      return fmt::format("unknown option '{}'", key.substr(0, 64));
    }
  }
  return {};
}

// An optional string field; a non-string value is an error.
std::string OptionalString(const json& request, const char* field, std::string& error) {
  const auto it = request.find(field);
  if (it == request.end() || it->is_null()) return {};
  if (!it->is_string()) {
    error = fmt::format("{} must be a string", field);
    return {};
  }
  return it->get<std::string>();
}

}  // namespace

std::string ErrorBody(std::string_view code, std::string_view message) {
  return json{{"code", code}, {"message", message}}.dump();
}

InstrumentApiResult RewriteFailure(const instrument::Status& status) {
  InstrumentApiResult result;
  if (status.code() == instrument::StatusCode::kInternal) {
    // Our failure, not the client's: a 500 the client may retry, with no location to point at.
    result.status = 500;
    result.code = "internal_error";
    result.body = {ErrorBody(result.code, status.message())};
    return result;
  }
  // Bad input, an unsupported layout or a limit: the library's message says what and where
  // (document, line, column) without quoting input. All answer 400 invalid_yaml, as they always
  // have; the code is there should the contract ever split them (413, 422).
  result.status = 400;
  result.code = "invalid_yaml";
  result.body = {json{{"code", "invalid_yaml"},
                      {"message", status.message()},
                      {"document", status.where().document},
                      {"line", status.where().line},
                      {"column", status.where().column}}
                     .dump()};
  return result;
}

InstrumentApiResult HandleInstrumentRequest(std::string body, const instrument::Options& defaults,
                                            const instrument::TextLimits& limits,
                                            RewriteSlots& slots,
                                            const instrument::ImageFactsLookup& image_facts) {
  json request = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string().swap(body);  // parsed: its bytes are not needed again
  if (request.is_discarded())
    return Fail(400, "invalid_json", "the request body is not valid JSON");
  if (!request.is_object())
    return Fail(400, "invalid_json", "the request body must be a JSON object");

  const auto manifest_it = request.find("manifest_content");
  if (manifest_it == request.end() || manifest_it->is_null()) {
    return Fail(400, "missing_manifest_content", "manifest_content is required");
  }
  if (!manifest_it->is_string()) {
    return Fail(400, "invalid_manifest_content", "manifest_content must be a string");
  }
  const std::string manifest = std::move(manifest_it->get_ref<std::string&>());

  std::string field_error;
  std::string deployment_name = OptionalString(request, "deployment_name", field_error);
  std::string client_repo = OptionalString(request, "client_repo", field_error);
  if (!field_error.empty()) return Fail(400, "invalid_field", field_error);

  instrument::Options options = defaults;
  bool want_diff = false;
  if (const auto it = request.find("options"); it != request.end() && !it->is_null()) {
    bool inspect_images = false;
    const std::string error = ApplyOptions(*it, options, want_diff, inspect_images);
    if (!error.empty()) return Fail(400, "invalid_options", error);
    // Honoured only when the server has inspection on (TRACEASSIST_INSPECT_IMAGES).
    if (inspect_images && image_facts) options.image_facts = image_facts;
  }

  request = nullptr;  // the fields are read

  struct SlotGuard {
    RewriteSlots& slots;
    explicit SlotGuard(RewriteSlots& s) : slots(s) { slots.acquire(); }
    ~SlotGuard() { slots.release(); }
  };
  InstrumentAnswer answer = [&] {
    // Small manifests need little memory and run at once; big ones wait for one of the slots, so
    // that a burst of them cannot exhaust memory.
    if (manifest.size() <= kUnslottedManifestBytes) {
      return RewriteForAnswer(manifest, options, limits, want_diff);
    }
    SlotGuard slot(slots);
    return RewriteForAnswer(manifest, options, limits, want_diff);
  }();
  InstrumentApiResult result =
      answer.error.ok() ? InstrumentApiResult{} : RewriteFailure(answer.error);
  result.deployment_name = std::move(deployment_name);
  result.client_repo = std::move(client_repo);
  if (!answer.error.ok()) return result;
  result.body = std::move(answer.segments);
  result.changes_made = answer.changes_made;
  result.summary = std::move(answer.summary);
  return result;
}

}  // namespace traceassist::webhook
