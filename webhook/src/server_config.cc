#include "traceassist/webhook/server_config.h"

#include <fmt/format.h>
#include <sched.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "traceassist/common/file.h"
#include "traceassist/common/text.h"
#include "traceassist/instrument/detector.h"
#include "traceassist/registry/settings.h"

namespace traceassist::webhook {
namespace {

using common::SplitList;
using common::Trim;

// CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU limit (`cpu.max`, as a
// Kubernetes `limits.cpu` sets it), rounded up. A pod limited to 1 CPU on a 64-core node gets 1,
// not 64.
int UsableCpus() {
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
  std::ifstream limit("/sys/fs/cgroup/cpu.max");
  std::string quota;
  long long period = 0;
  if (limit >> quota >> period && quota != "max" && period > 0) {
    long long q = 0;
    const auto [end, error] = std::from_chars(quota.data(), quota.data() + quota.size(), q);
    if (error == std::errc() && end == quota.data() + quota.size() && q > 0) {
      cpus = std::min<long long>(cpus, std::max(1LL, (q + period - 1) / period));
    }
  }
  return cpus;
}

// Reads settings by name and reports the first bad one with its name.
class SettingReader {
 public:
  explicit SettingReader(const Settings& settings) : settings_(settings) {}

  // An empty value counts as unset (compose files and manifests often pass `NAME:` or `value: ""`).
  const std::string* Find(std::string_view name) const {
    const auto it = settings_.find(name);
    if (it == settings_.end() || Trim(it->second).empty()) return nullptr;
    return &it->second;
  }

  // An integer setting, in the range its KnownSettings() entry gives.
  void Int(std::string_view name, int& out) const {
    const long long min = Setting(name).min, max = Setting(name).max;
    const std::string* raw = Find(name);
    if (raw == nullptr) return;
    const std::string_view text = Trim(*raw);
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      throw ConfigError(fmt::format("{}: '{}' is not an integer", name, *raw));
    }
    if (value < min || value > max) {
      throw ConfigError(fmt::format("{}: {} is out of range [{}, {}]", name, value, min, max));
    }
    out = static_cast<int>(value);
  }

  void Size(std::string_view name, std::size_t& out) const {
    const auto min = static_cast<std::size_t>(Setting(name).min);
    const auto max = static_cast<std::size_t>(Setting(name).max);
    const std::string* raw = Find(name);
    if (raw == nullptr) return;
    const std::string_view text = Trim(*raw);
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      throw ConfigError(fmt::format("{}: '{}' is not a non-negative integer", name, *raw));
    }
    if (value < min || value > max) {
      throw ConfigError(fmt::format("{}: {} is out of range [{}, {}]", name, value, min, max));
    }
    out = value;
  }

  void Bool(std::string_view name, bool& out) const {
    const std::string* raw = Find(name);
    if (raw == nullptr) return;
    const std::string value = common::ToLower(Trim(*raw));
    if (value == "true" || value == "1" || value == "yes") {
      out = true;
    } else if (value == "false" || value == "0" || value == "no") {
      out = false;
    } else {
      throw ConfigError(fmt::format("{}: '{}' is not a boolean (true or false)", name, *raw));
    }
  }

  void String(std::string_view name, std::string& out) const {
    if (const std::string* raw = Find(name)) out = std::string(Trim(*raw));
  }

 private:
  const Settings& settings_;
};

void CheckInstrumentationRef(std::string_view setting, std::string_view ref) {
  const instrument::Status status = instrument::ValidateInstrumentationRef(ref);
  if (!status.ok()) {
    throw ConfigError(fmt::format("{}: '{}' is not a valid Instrumentation reference ({})", setting,
                                  ref, status.message()));
  }
}

std::string ReadFile(const std::string& path, std::string_view setting) {
  std::optional<std::string> text = common::ReadFile(path);
  if (!text) throw ConfigError(fmt::format("{}: cannot read '{}'", setting, path));
  return std::move(*text);
}

// TRACEASSIST_INSPECT_* and TRACEASSIST_REGISTRY_*: errors name the setting, never a credential.
void ReadRegistrySettings(const SettingReader& read, ServerConfig& config) {
  read.Bool("TRACEASSIST_INSPECT_IMAGES", config.inspect_images);
  read.Int("TRACEASSIST_INSPECT_BUDGET_MS", config.inspect_budget_ms);
  read.Int("TRACEASSIST_INSPECT_CACHE_ENTRIES", config.inspect_cache_entries);
  read.Bool("TRACEASSIST_INSPECT_LAYERS", config.registry.inspect_layers);
  std::string text;
  read.String("TRACEASSIST_REGISTRY_MIRRORS", text);
  for (const auto& spec : SplitList(text, ' ')) {
    if (auto error = registry::AddMirror(config.registry, spec); !error.empty()) {
      throw ConfigError("TRACEASSIST_REGISTRY_MIRRORS: " + error);
    }
  }
  text.clear();
  read.String("TRACEASSIST_REGISTRY_ALLOW", text);
  config.registry.extra_registries = SplitList(text);
  text.clear();
  read.String("TRACEASSIST_REGISTRY_INSECURE", text);
  config.registry.insecure_hosts = SplitList(text);
  text.clear();
  read.String("TRACEASSIST_REGISTRY_PRIVATE", text);
  config.registry.private_address_hosts = SplitList(text);
  read.String("TRACEASSIST_REGISTRY_CA", config.registry.ca_file);
  text.clear();
  read.String("TRACEASSIST_REGISTRY_CREDENTIALS", text);
  if (!text.empty()) {
    if (auto error = registry::LoadCredentials(config.registry, text, true); !error.empty()) {
      throw ConfigError("TRACEASSIST_REGISTRY_CREDENTIALS: " + error);
    }
  }
  text.clear();
  read.String("TRACEASSIST_PLATFORM", text);
  if (!text.empty()) {
    if (auto error = registry::SetPlatform(config.registry, text); !error.empty()) {
      throw ConfigError("TRACEASSIST_PLATFORM: " + error);
    }
  }
}

}  // namespace

ServerConfig ParseServerConfig(const Settings& settings) {
  ServerConfig config;
  const SettingReader read(settings);

  read.String("TRACEASSIST_BIND", config.bind);
  read.String("TRACEASSIST_HTTP_BIND", config.http_bind);
  read.Int("TRACEASSIST_PORT", config.port);
  read.Int("TRACEASSIST_TLS_PORT", config.tls_port);
  read.String("TRACEASSIST_TLS_CERT", config.tls_cert);
  read.String("TRACEASSIST_TLS_KEY", config.tls_key);
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw ConfigError(
        "TRACEASSIST_TLS_CERT and TRACEASSIST_TLS_KEY: set both (HTTPS on) or neither (HTTP only)");
  }
  if (config.tls_enabled() && config.port != 0 && config.port == config.tls_port) {
    throw ConfigError(fmt::format(
        "TRACEASSIST_TLS_PORT: {} is also TRACEASSIST_PORT; the listeners need distinct ports",
        config.tls_port));
  }
  read.Size("TRACEASSIST_MAX_BODY_BYTES", config.max_body_bytes);
  read.Int("TRACEASSIST_THREADS", config.threads);
  if (config.threads == 0) {
    config.threads = UsableCpus();
  }
  read.Int("TRACEASSIST_MAX_CONNECTIONS", config.max_connections);
  read.Int("TRACEASSIST_READ_TIMEOUT_MS", config.read_timeout_ms);
  read.Int("TRACEASSIST_HEADER_TIMEOUT_MS", config.header_timeout_ms);
  read.Int("TRACEASSIST_BODY_TIMEOUT_MS", config.body_timeout_ms);
  read.Int("TRACEASSIST_WRITE_TIMEOUT_MS", config.write_timeout_ms);
  read.Int("TRACEASSIST_KEEPALIVE_TIMEOUT_S", config.keepalive_timeout_s);
  read.Int("TRACEASSIST_KEEPALIVE_MAX_REQUESTS", config.keepalive_max_requests);
  read.Int("TRACEASSIST_DRAIN_TIMEOUT_S", config.drain_timeout_s);

  read.String("TRACEASSIST_LOG_LEVEL", config.log_level);
  config.log_level = common::ToLower(config.log_level);
  if (config.log_level == "warning") config.log_level = "warn";
  static const std::vector<std::string> kLevels = {"trace", "debug", "info",
                                                   "warn",  "error", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), config.log_level) == kLevels.end()) {
    throw ConfigError(fmt::format(
        "TRACEASSIST_LOG_LEVEL: '{}' is not one of trace, debug, info, warn, error, off",
        config.log_level));
  }

  if (const std::string* tokens = read.Find("TRACEASSIST_API_TOKENS")) {
    config.api_tokens = SplitList(*tokens);
    for (const std::string& token : config.api_tokens) {
      if (token.size() < 16) {
        throw ConfigError(
            "TRACEASSIST_API_TOKENS: every token must be at least 16 characters long");
      }
      if (std::any_of(token.begin(), token.end(),
                      [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
        throw ConfigError("TRACEASSIST_API_TOKENS: tokens must be printable ASCII without spaces");
      }
    }
  }
  if (const std::string* rps = read.Find("TRACEASSIST_RATE_LIMIT_RPS")) {
    // A number, not only an integer, in the table's range.
    const SettingInfo& setting = Setting("TRACEASSIST_RATE_LIMIT_RPS");
    const std::string_view text = Trim(*rps);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        value < static_cast<double>(setting.min) || value > static_cast<double>(setting.max)) {
      throw ConfigError(fmt::format("TRACEASSIST_RATE_LIMIT_RPS: '{}' is not a number in [{}, {}]",
                                    *rps, setting.min, setting.max));
    }
    config.rate_limit_rps = value;
  }

  read.String("TRACEASSIST_INSTRUMENTATION", config.policy.instrumentation);
  CheckInstrumentationRef("TRACEASSIST_INSTRUMENTATION", config.policy.instrumentation);
  if (const std::string* mapping = read.Find("TRACEASSIST_NAMESPACE_INSTRUMENTATION")) {
    for (const std::string& item : SplitList(*mapping)) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
        throw ConfigError(fmt::format(
            "TRACEASSIST_NAMESPACE_INSTRUMENTATION: '{}' is not namespace=reference", item));
      }
      std::string ns(Trim(std::string_view(item).substr(0, eq)));
      std::string ref(Trim(std::string_view(item).substr(eq + 1)));
      CheckInstrumentationRef("TRACEASSIST_NAMESPACE_INSTRUMENTATION", ref);
      config.namespace_instrumentation[std::move(ns)] = std::move(ref);
    }
  }
  read.String("TRACEASSIST_RULES_FILE", config.rules_file);
  if (!config.rules_file.empty()) {
    const std::string text = ReadFile(config.rules_file, "TRACEASSIST_RULES_FILE");
    auto rules = instrument::LoadDetectionRules(text);
    if (!rules.ok()) {
      throw ConfigError(fmt::format("TRACEASSIST_RULES_FILE: {}: {}", config.rules_file,
                                    rules.status().ToString()));
    }
    config.policy.rules = std::move(rules).value();
  }
  read.Bool("TRACEASSIST_ENABLE_GO", config.policy.enable_go);
  read.Bool("TRACEASSIST_ENABLE_NGINX", config.policy.enable_nginx);
  read.Bool("TRACEASSIST_INIT_CONTAINERS", config.policy.init_containers);
  if (const std::string* mode = read.Find("TRACEASSIST_WEBHOOK_MODE")) {
    const std::string_view value = Trim(*mode);
    if (value == "audit") {
      config.webhook_audit = true;
    } else if (value != "enforce") {
      throw ConfigError(
          fmt::format("TRACEASSIST_WEBHOOK_MODE: '{}' is not enforce or audit", *mode));
    }
  }
  if (const std::string* target = read.Find("TRACEASSIST_WEBHOOK_TARGET")) {
    const std::string_view value = Trim(*target);
    if (value != "workloads" && value != "pods") {
      throw ConfigError(
          fmt::format("TRACEASSIST_WEBHOOK_TARGET: '{}' is not workloads or pods", *target));
    }
    config.webhook_pods = value == "pods";
  }
  read.Bool("TRACEASSIST_ANALYTICS_REQUIRED", config.analytics_required);
  ReadRegistrySettings(read, config);
  return config;
}

Settings LoadConfigFile(const std::string& path) {
  const std::string text = ReadFile(path, "TRACEASSIST_CONFIG_FILE");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("TRACEASSIST_CONFIG_FILE: {}: line {}, column {}: {}", path,
                                  e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  Settings settings;
  if (root.IsNull()) return settings;
  if (!root.IsMap()) {
    throw ConfigError(fmt::format("TRACEASSIST_CONFIG_FILE: {}: not a mapping of settings", path));
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const std::string name = common::ToLower(key);
    const auto& known = KnownSettings();
    const auto setting = std::find_if(known.begin(), known.end(),
                                      [&](const SettingInfo& info) { return name == info.name; });
    if (setting == known.end() || name == "config_file") {
      throw ConfigError(
          fmt::format("TRACEASSIST_CONFIG_FILE: {}: unknown setting '{}'", path, key));
    }
    if (!entry.second.IsScalar()) {
      throw ConfigError(
          fmt::format("TRACEASSIST_CONFIG_FILE: {}: '{}' must be a single value", path, key));
    }
    settings[setting->env] = entry.second.Scalar();
  }
  return settings;
}

}  // namespace traceassist::webhook
