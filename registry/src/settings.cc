#include "traceassist/registry/settings.h"

#include <sstream>

#include "http_transport.h"
#include "traceassist/common/file.h"
#include "traceassist/registry/docker_config.h"

namespace traceassist::registry {

std::string AddMirror(RegistryOptions& options, std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size()) {
    return "registry mirror '" + std::string(spec) + "': expected HOST=URL[,URL...]";
  }
  const std::string host = NormaliseRegistryHost(spec.substr(0, eq));
  std::string rest(spec.substr(eq + 1));
  std::stringstream urls(rest);
  std::string url;
  while (std::getline(urls, url, ',')) {
    UrlParts parts;
    if (!ParseUrl(url, parts) || (parts.scheme != "https" && parts.scheme != "http")) {
      return "registry mirror for " + host + ": '" + url + "' is not an http(s) URL";
    }
    options.mirrors[host].push_back(url);
  }
  return {};
}

std::string SetPlatform(RegistryOptions& options, std::string_view spec) {
  std::vector<std::string> parts;
  std::stringstream in{std::string(spec)};
  std::string part;
  while (std::getline(in, part, '/')) parts.push_back(part);
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return "platform '" + std::string(spec) + "': expected OS/ARCH[/VARIANT], e.g. linux/amd64";
  }
  options.os = parts[0];
  options.architecture = parts[1];
  options.variant = parts.size() == 3 ? parts[2] : "";
  return {};
}

std::string LoadCredentials(RegistryOptions& options, const std::string& path, bool required) {
  const std::optional<std::string> text = common::ReadFile(path);
  if (!text) return required ? "docker config " + path + " cannot be read" : "";
  auto parsed = ParseDockerConfig(*text);
  if (parsed.index() == 1) return path + ": " + std::get<1>(parsed);
  for (auto& [host, credential] : std::get<0>(parsed))
    options.credentials[host] = std::move(credential);
  return {};
}

std::string DescribeOptions(const RegistryOptions& o) {
  std::string out =
      "platform " + o.os + "/" + o.architecture + (o.variant.empty() ? "" : "/" + o.variant);
  for (const auto& [host, urls] : o.mirrors) {
    out += "; mirror " + host + "=";
    for (const auto& url : urls) out += url + (&url == &urls.back() ? "" : ",");
  }
  auto list = [&](const char* name, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += std::string("; ") + name;
    for (const auto& item : items) out += " " + item;
  };
  list("allowed", o.allowed_registries);
  list("also allowed", o.extra_registries);
  list("insecure", o.insecure_hosts);
  list("private addresses for", o.private_address_hosts);
  std::vector<std::string> hosts;
  for (const auto& entry : o.credentials) hosts.push_back(entry.first);
  list("credentials for", hosts);
  out += "; layers " + std::string(o.inspect_layers ? "on" : "off");
  return out;
}

}  // namespace traceassist::registry
