#include "image_json.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

namespace traceassist::registry {
namespace {

using nlohmann::json;

constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::size_t kMaxEntries = 1000;

std::string Text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A descriptor: mediaType, digest (checked for shape), size (non-negative).
std::string ReadDescriptor(const json& value, Descriptor& out) {
  if (!value.is_object()) return "descriptor is not an object";
  out.media_type = Text(value, "mediaType");
  out.digest = Text(value, "digest");
  const auto colon = out.digest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == out.digest.size()) {
    return "descriptor has no valid digest";
  }
  const auto size = value.find("size");
  if (size == value.end() || !size->is_number_unsigned())
    return "descriptor " + out.digest + " has no valid size";
  out.size = size->get<std::uint64_t>();
  if (const auto platform = value.find("platform");
      platform != value.end() && platform->is_object()) {
    out.os = Text(*platform, "os");
    out.architecture = Text(*platform, "architecture");
    out.variant = Text(*platform, "variant");
  }
  return {};
}

std::string_view Essence(std::string_view content_type) {  // drops "; charset=…"
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  return content_type;
}

std::vector<std::string> Strings(const json& object, const char* key, std::string& error) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) {
    error = std::string(key) + " is not an array";
    return out;
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      error = std::string(key) + " has a non-string item";
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string HexHash(std::string_view bytes, const EVP_MD* md) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), hash, &length, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[hash[i] >> 4];
    hex += kHex[hash[i] & 15];
  }
  return hex;
}

}  // namespace

const char* const kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

std::variant<Manifest, std::string> ParseManifest(std::string_view body,
                                                  std::string_view content_type) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string("manifest is not a JSON object");
  std::string type = Text(doc, "mediaType");
  if (type.empty()) type = Essence(content_type);
  if (type.find("distribution.manifest.v1") != std::string::npos || doc.contains("fsLayers")) {
    return std::string("Docker schema 1 manifests are not supported");
  }
  const auto schema = doc.find("schemaVersion");
  if (schema == doc.end() || !schema->is_number_integer() || schema->get<int>() != 2) {
    return std::string("manifest schemaVersion is not 2");
  }
  Manifest out;
  const bool index_type = type == kOciIndex || type == kDockerList;
  const bool image_type = type == kOciManifest || type == kDockerManifest;
  if (!index_type && !image_type && !type.empty())
    return "unsupported manifest media type '" + type + "'";
  out.is_index = index_type || (!image_type && doc.contains("manifests"));
  if (out.is_index) {
    const auto list = doc.find("manifests");
    if (list == doc.end() || !list->is_array()) return std::string("index has no manifests array");
    if (list->size() > kMaxEntries) return std::string("index has more than 1000 manifests");
    for (const auto& item : *list) {
      Descriptor d;
      if (auto error = ReadDescriptor(item, d); !error.empty()) return "index: " + error;
      out.manifests.push_back(std::move(d));
    }
    return out;
  }
  const auto config = doc.find("config");
  if (config == doc.end()) return std::string("manifest has no config descriptor");
  if (auto error = ReadDescriptor(*config, out.config); !error.empty())
    return "manifest config: " + error;
  if (const auto layers = doc.find("layers"); layers != doc.end()) {
    if (!layers->is_array() || layers->size() > kMaxEntries)
      return std::string("manifest layers is not a list of at most 1000");
    for (const auto& item : *layers) {
      Descriptor d;
      if (auto error = ReadDescriptor(item, d); !error.empty()) return "manifest layer: " + error;
      out.layers.push_back(std::move(d));
    }
  }
  return out;
}

const Descriptor* SelectPlatform(const Manifest& index, const std::string& os,
                                 const std::string& architecture, const std::string& variant,
                                 std::string& error) {
  for (const auto& d : index.manifests) {
    if (d.os == os && d.architecture == architecture && (variant.empty() || d.variant == variant))
      return &d;
  }
  error = "no manifest for " + os + "/" + architecture + (variant.empty() ? "" : "/" + variant) +
          " (offered:";
  for (const auto& d : index.manifests) {
    if (!d.os.empty())
      error += " " + d.os + "/" + d.architecture + (d.variant.empty() ? "" : "/" + d.variant);
  }
  error += ")";
  return nullptr;
}

std::string ParseImageConfig(std::string_view body, instrument::ImageFacts& facts) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "image config is not a JSON object";
  std::string error;
  if (const auto config = doc.find("config"); config != doc.end() && config->is_object()) {
    facts.env = Strings(*config, "Env", error);
    facts.entrypoint = Strings(*config, "Entrypoint", error);
    facts.cmd = Strings(*config, "Cmd", error);
    facts.working_dir = Text(*config, "WorkingDir");
    if (const auto labels = config->find("Labels");
        labels != config->end() && labels->is_object()) {
      for (const auto& [key, value] : labels->items()) {
        if (value.is_string()) facts.labels.emplace_back(key, value.get<std::string>());
      }
    }
  } else if (config != doc.end() && !config->is_null()) {
    return "image config 'config' is not an object";
  }
  if (!error.empty()) return "image config: " + error;
  if (const auto history = doc.find("history"); history != doc.end() && history->is_array()) {
    for (const auto& step : *history) {
      if (step.is_object()) {
        if (auto line = Text(step, "created_by"); !line.empty())
          facts.history.push_back(std::move(line));
      }
    }
  }
  return {};
}

std::string Sha256Digest(std::string_view bytes) {
  return "sha256:" + HexHash(bytes, EVP_sha256());
}

std::string VerifyDigest(std::string_view bytes, std::string_view digest) {
  const EVP_MD* md = nullptr;
  if (digest.rfind("sha256:", 0) == 0) md = EVP_sha256();
  if (digest.rfind("sha512:", 0) == 0) md = EVP_sha512();
  if (md == nullptr) return "unsupported digest algorithm in " + std::string(digest);
  const std::string hex = HexHash(bytes, md);
  if (digest.substr(digest.find(':') + 1) != hex) {
    return "content does not match digest " + std::string(digest) + " (got " +
           std::string(digest.substr(0, digest.find(':') + 1)) + hex + ")";
  }
  return {};
}

}  // namespace traceassist::registry
