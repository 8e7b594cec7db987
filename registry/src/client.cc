#include "traceassist/registry/client.h"

#include <algorithm>

#include "address_policy.h"
#include "http_transport.h"
#include "image_json.h"
#include "layers.h"
#include "registry_session.h"
#include "traceassist/registry/reference.h"

namespace traceassist::registry {
namespace {

using Failure = HttpFailure;

std::string StatusText(const HttpResponse& r, const std::string& what) {
  if (r.status == 404) return what + " not found (404)";
  if (r.status == 401 || r.status == 403)
    return what + ": access denied (" + std::to_string(r.status) + ")";
  return what + ": HTTP " + std::to_string(r.status);
}

std::string FactsKey(const Reference& ref, const std::string& digest, const RegistryOptions& o) {
  return ref.registry + "/" + ref.repository + "@" + digest + " " + o.os + "/" + o.architecture +
         "/" + o.variant + (o.inspect_layers ? " layers" : "");
}

std::vector<Endpoint> Endpoints(const RegistryOptions& options, const Reference& ref,
                                std::string& refusal) {
  std::vector<Endpoint> out;
  auto credential_for = [&](const std::string& key) -> const Credential* {
    const auto it = options.credentials.find(key);
    return it == options.credentials.end() ? nullptr : &it->second;
  };
  if (const auto mirrors = options.mirrors.find(ref.registry); mirrors != options.mirrors.end()) {
    for (std::string base : mirrors->second) {
      while (!base.empty() && base.back() == '/') base.pop_back();
      if (base.size() < 3 || base.compare(base.size() - 3, 3, "/v2") != 0) base += "/v2";
      UrlParts url;
      if (!ParseUrl(base, url)) continue;
      const std::string host_port = url.port.empty() ? url.host : url.host + ":" + url.port;
      out.push_back({base, url.host, "?ns=" + UrlEncode(ref.registry),
                     ref.registry + " (mirror " + host_port + ")", credential_for(host_port),
                     true});
    }
  }
  refusal = RegistryRefusal(options, ref.registry);
  if (refusal.empty()) {
    const std::string host = ref.registry == "docker.io" ? "registry-1.docker.io" : ref.registry;
    const bool insecure = Contains(options.insecure_hosts, ref.registry);
    out.push_back({(insecure ? "http://" : "https://") + host + "/v2", HostOnly(host), "",
                   ref.registry, credential_for(ref.registry), false});
  }
  return out;
}

// Fetches one manifest or blob by digest and checks its bytes against the digest. A status error
// names it as `what`; a mismatch reads `mismatch` + ": " + what VerifyDigest says.
std::variant<HttpResponse, Failure> FetchVerified(RegistrySession& session, const std::string& path,
                                                  const std::string& digest,
                                                  const std::string& accept,
                                                  std::uint64_t max_bytes, const std::string& what,
                                                  const std::string& mismatch) {
  auto result = session.Request("GET", path, accept, max_bytes);
  if (auto* failure = std::get_if<Failure>(&result)) return *failure;
  auto& response = std::get<HttpResponse>(result);
  if (response.status != 200) return Failure{Outcome::kError, StatusText(response, what)};
  if (auto error = VerifyDigest(response.body, digest); !error.empty())
    return Failure{Outcome::kError, mismatch + ": " + error};
  return std::move(response);
}

// A blob by digest: its bytes.
std::variant<std::string, Failure> FetchBlob(RegistrySession& session, const std::string& digest,
                                             std::uint64_t max_bytes) {
  const std::string what = session.endpoint().registry + " blob " + digest;
  auto result = FetchVerified(session, "blobs/" + digest, digest, "", max_bytes, what, what);
  if (auto* failure = std::get_if<Failure>(&result)) return *failure;
  return std::move(std::get<HttpResponse>(result).body);
}

struct Resolved {
  std::string digest;  // what the reference points at (index or manifest)
  std::shared_ptr<instrument::ImageFacts> facts;
  bool from_cache = false;
};

std::variant<Resolved, Failure> Resolve(RegistrySession& session, const Reference& ref,
                                        const RegistryOptions& options, FactsCache* cache) {
  Resolved out;
  out.digest = ref.digest;
  std::string manifest_body, content_type;
  if (out.digest.empty()) {
    // HEAD first: registries such as Docker Hub count manifest GETs as pulls.
    auto head = session.Request("HEAD", "manifests/" + ref.tag, kManifestAccept, 0);
    if (auto* failure = std::get_if<Failure>(&head)) return *failure;
    const auto& response = std::get<HttpResponse>(head);
    const auto digest = response.headers.find("docker-content-digest");
    if (response.status == 200 && digest != response.headers.end() &&
        ParseReference("x@" + digest->second).index() == 0) {
      out.digest = digest->second;
    } else if (response.status == 404 || response.status == 401 || response.status == 403) {
      return Failure{Outcome::kError,
                     StatusText(response, session.endpoint().registry + " " + ref.ToString())};
    } else {  // no digest header: GET by tag and hash what came
      auto get = session.Request("GET", "manifests/" + ref.tag, kManifestAccept,
                                 options.max_manifest_bytes);
      if (auto* failure = std::get_if<Failure>(&get)) return *failure;
      auto& body = std::get<HttpResponse>(get);
      if (body.status != 200) return Failure{Outcome::kError, StatusText(body, ref.ToString())};
      out.digest = Sha256Digest(body.body);
      manifest_body = std::move(body.body);
      content_type = body.headers["content-type"];
    }
  }
  if (cache != nullptr) {
    if (auto facts = cache->Facts(FactsKey(ref, out.digest, options))) {
      out.facts = std::make_shared<instrument::ImageFacts>(*facts);
      out.from_cache = true;
      return out;
    }
  }
  std::string digest = out.digest;
  for (int level = 0; level < 2; ++level) {
    if (manifest_body.empty()) {
      auto result = FetchVerified(session, "manifests/" + digest, digest, kManifestAccept,
                                  options.max_manifest_bytes, "manifest " + digest, "manifest");
      if (auto* failure = std::get_if<Failure>(&result)) return *failure;
      auto& response = std::get<HttpResponse>(result);
      manifest_body = std::move(response.body);
      content_type = response.headers["content-type"];
    }
    auto parsed = ParseManifest(manifest_body, content_type);
    manifest_body.clear();
    if (auto* error = std::get_if<std::string>(&parsed))
      return Failure{Outcome::kError, "manifest " + digest + ": " + *error};
    const auto& manifest = std::get<Manifest>(parsed);
    if (manifest.is_index) {
      if (level == 1)
        return Failure{Outcome::kError, "index " + digest + " points at another index"};
      std::string error;
      const auto* chosen =
          SelectPlatform(manifest, options.os, options.architecture, options.variant, error);
      if (chosen == nullptr) return Failure{Outcome::kError, ref.ToString() + ": " + error};
      if (chosen->size > options.max_manifest_bytes)
        return Failure{Outcome::kError, "platform manifest is too large"};
      digest = chosen->digest;
      continue;
    }
    if (manifest.config.size > options.max_config_bytes) {
      return Failure{Outcome::kError, "config blob " + manifest.config.digest + " is " +
                                          std::to_string(manifest.config.size) + " bytes (limit " +
                                          std::to_string(options.max_config_bytes) + ")"};
    }
    auto config = FetchBlob(session, manifest.config.digest, manifest.config.size);
    if (auto* failure = std::get_if<Failure>(&config)) return *failure;
    out.facts = std::make_shared<instrument::ImageFacts>();
    if (auto error = ParseImageConfig(std::get<std::string>(config), *out.facts); !error.empty()) {
      return Failure{Outcome::kError, "config " + manifest.config.digest + ": " + error};
    }
    out.facts->digest = out.digest;
    if (options.inspect_layers) {
      const LayerFetcher fetch =
          [&](const Descriptor& layer) -> std::variant<std::string, std::string> {
        auto blob = FetchBlob(session, layer.digest, layer.size);
        if (auto* failure = std::get_if<Failure>(&blob))
          return std::variant<std::string, std::string>(std::in_place_index<1>, failure->message);
        return std::variant<std::string, std::string>(std::in_place_index<0>,
                                                      std::move(std::get<std::string>(blob)));
      };
      auto found = FindEntryBinary(*out.facts, manifest.layers, fetch, options.max_layer_bytes,
                                   options.max_binary_bytes);
      out.facts->entry_binary = std::move(found.binary);
    }
    return out;
  }
  return Failure{Outcome::kError, "unreachable"};
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCacheHit:
      return "cache_hit";
    case Outcome::kFetched:
      return "fetched";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kDenied:
      return "denied";
    case Outcome::kError:
      return "error";
    case Outcome::kInvalidReference:
      return "invalid_reference";
  }
  return "error";
}

RegistryClient::RegistryClient(RegistryOptions options, std::shared_ptr<FactsCache> cache)
    : options_(std::move(options)), cache_(std::move(cache)) {}

Inspection RegistryClient::Cached(std::string_view reference) const {
  const auto start = Clock::now();
  Inspection out;
  out.message = "not cached";
  auto parsed = ParseReference(reference);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    return {Outcome::kInvalidReference, nullptr, "'" + std::string(reference) + "': " + *error, {}};
  }
  const auto& ref = std::get<Reference>(parsed);
  if (!cache_) return out;
  std::string digest = ref.digest;
  if (digest.empty()) digest = cache_->Digest(ref.ToString()).value_or("");
  if (digest.empty()) return out;
  auto facts = cache_->Facts(FactsKey(ref, digest, options_));
  if (!facts &&
      !options_.inspect_layers) {  // facts read with layers answer a question without them
    facts = cache_->Facts(FactsKey(ref, digest, options_) + " layers");
  }
  if (facts) {
    auto copy = std::make_shared<instrument::ImageFacts>(*facts);
    copy->reference = reference;
    out = {Outcome::kCacheHit, std::move(copy), {}, {}};
  }
  out.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  return out;
}

Inspection RegistryClient::Inspect(std::string_view reference, Clock::time_point deadline) const {
  const auto start = Clock::now();
  deadline = std::min(deadline, start + options_.inspection_timeout);
  Inspection out = Cached(reference);
  if (out.outcome == Outcome::kCacheHit || out.outcome == Outcome::kInvalidReference) return out;
  const auto ref = std::get<Reference>(ParseReference(reference));
  std::string refusal;
  const auto endpoints = Endpoints(options_, ref, refusal);
  if (endpoints.empty()) return {Outcome::kDenied, nullptr, refusal, {}};
  HttpTransport http(options_);
  std::string messages;
  Outcome last = Outcome::kError;
  for (const auto& endpoint : endpoints) {
    RegistrySession session(http, options_, endpoint, ref.repository, deadline);
    auto result = Resolve(session, ref, options_, cache_.get());
    if (auto* failure = std::get_if<Failure>(&result)) {
      messages += (messages.empty() ? "" : "; ") + failure->message;
      last = failure->outcome;
      if (last == Outcome::kTimeout && Clock::now() >= deadline) break;
      continue;
    }
    auto& resolved = std::get<Resolved>(result);
    if (cache_) {
      if (ref.digest.empty()) cache_->PutDigest(ref.ToString(), resolved.digest);
      if (!resolved.from_cache)
        cache_->PutFacts(FactsKey(ref, resolved.digest, options_), resolved.facts);
    }
    resolved.facts->reference = reference;
    out = {resolved.from_cache ? Outcome::kCacheHit : Outcome::kFetched,
           std::move(resolved.facts),
           {},
           {}};
    out.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    return out;
  }
  if (!refusal.empty()) messages += "; upstream not tried: " + refusal;
  out = {last, nullptr, messages,
         std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)};
  return out;
}

}  // namespace traceassist::registry
