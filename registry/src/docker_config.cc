#include "traceassist/registry/docker_config.h"

#include <nlohmann/json.hpp>

#include "traceassist/common/text.h"

namespace traceassist::registry {

std::string NormaliseRegistryHost(std::string_view key) {
  if (const auto scheme = key.find("://"); scheme != std::string_view::npos)
    key = key.substr(scheme + 3);
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == "registry-1.docker.io") return "docker.io";
  return std::string(key);
}

std::variant<std::map<std::string, Credential>, std::string> ParseDockerConfig(
    std::string_view text) {
  using nlohmann::json;
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::string("docker config is not a JSON object");
  std::map<std::string, Credential> out;
  const auto auths = doc.find("auths");
  if (auths == doc.end()) return out;
  if (!auths->is_object()) return std::string("docker config: \"auths\" is not an object");
  for (const auto& item : auths->items()) {
    const std::string& key = item.key();
    const auto& entry = item.value();  // a named reference: lambdas below capture it (clang 14)
    if (!entry.is_object()) return "docker config: auths[\"" + key + "\"] is not an object";
    auto text_of = [&](const char* name) {
      const auto it = entry.find(name);
      return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Credential credential;
    credential.username = text_of("username");
    credential.password = text_of("password");
    credential.identity_token = text_of("identitytoken");
    credential.registry_token = text_of("registrytoken");
    if (std::string auth = text_of("auth"); !auth.empty()) {
      while (!auth.empty() && (auth.back() == '\n' || auth.back() == '\r')) auth.pop_back();
      const std::string decoded = common::Base64Decode(auth).value_or("");
      const auto colon = decoded.find(':');
      if (colon == std::string::npos) {
        return "docker config: auths[\"" + key + "\"].auth is not base64 of user:password";
      }
      credential.username = decoded.substr(0, colon);
      credential.password = decoded.substr(colon + 1);
    }
    if (credential.username.empty() && credential.identity_token.empty() &&
        credential.registry_token.empty()) {
      continue;  // a credsStore / credHelpers placeholder
    }
    out[NormaliseRegistryHost(key)] = std::move(credential);
  }
  return out;
}

}  // namespace traceassist::registry
