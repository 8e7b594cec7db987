// The configuration of `traceassist serve`: a plain struct with a documented default on every
// field, built once at start-up from layered settings (defaults → config file → environment →
// flags) and validated then. The server never reads the environment itself.
//
// Thread-safety: a ServerConfig is immutable once built and may be shared by all threads.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/options.h"
#include "traceassist/registry/options.h"

namespace traceassist::webhook {

// Settings by their environment variable name ("TRACEASSIST_PORT" → "8000"). Later layers overwrite
// earlier ones; the caller merges them.
using Settings = std::map<std::string, std::string, std::less<>>;

// A setting with a bad value. what() names the setting and the value problem, never a secret value.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServerConfig {
  std::string bind = "0.0.0.0";  // TRACEASSIST_BIND: address of both listeners
  // TRACEASSIST_HTTP_BIND: the plain-HTTP listener's address instead (127.0.0.1 under
  // hostNetwork: no API, metrics or probes on the node's address); empty: `bind`.
  std::string http_bind;
  int port = 8000;       // TRACEASSIST_PORT: plain HTTP; 0 picks a free port (tests)
  int tls_port = 8443;   // TRACEASSIST_TLS_PORT: HTTPS; 0 picks a free port (tests)
  std::string tls_cert;  // TRACEASSIST_TLS_CERT: PEM chain; HTTPS only when cert and key are set
  std::string tls_key;   // TRACEASSIST_TLS_KEY: PEM private key
  std::size_t max_body_bytes = std::size_t{10} << 20;  // TRACEASSIST_MAX_BODY_BYTES (also chunked)
  int threads = 0;  // TRACEASSIST_THREADS: concurrent rewrites of manifests > 32 KiB; 0 = CPUs
  int max_connections = 1024;  // TRACEASSIST_MAX_CONNECTIONS: served at once; more get 503
  int read_timeout_ms =
      5000;  // TRACEASSIST_READ_TIMEOUT_MS: longest silence while reading a request
  int header_timeout_ms =
      10000;  // TRACEASSIST_HEADER_TIMEOUT_MS: a request's headers, from its first byte, at most
  int body_timeout_ms =
      30000;  // TRACEASSIST_BODY_TIMEOUT_MS: a request's body, from the end of its headers, at most
  int write_timeout_ms =
      5000;  // TRACEASSIST_WRITE_TIMEOUT_MS: longest stall while writing a response
  int keepalive_timeout_s =
      5;  // TRACEASSIST_KEEPALIVE_TIMEOUT_S: idle keep-alive connection lifetime
  int keepalive_max_requests =
      10000;                 // TRACEASSIST_KEEPALIVE_MAX_REQUESTS: requests per connection
  int drain_timeout_s = 20;  // TRACEASSIST_DRAIN_TIMEOUT_S: in-flight work allowed after SIGTERM
  std::string log_level = "info";       // TRACEASSIST_LOG_LEVEL: trace|debug|info|warn|error|off
  std::vector<std::string> api_tokens;  // TRACEASSIST_API_TOKENS: bearer tokens; empty = auth off
  double rate_limit_rps = 0;  // TRACEASSIST_RATE_LIMIT_RPS: per token (or address); 0 = off

  // The instrumentation policy (TRACEASSIST_INSTRUMENTATION, _RULES_FILE, _ENABLE_GO,
  // _ENABLE_NGINX, _INIT_CONTAINERS). API requests may override language, instrumentation and the
  // Go/nginx switches.
  instrument::Options policy;
  std::string rules_file;  // TRACEASSIST_RULES_FILE: path, already loaded into policy.rules
  // TRACEASSIST_NAMESPACE_INSTRUMENTATION ("ns=ref,ns2=ns/ref"): per-namespace reference (webhook).
  std::map<std::string, std::string, std::less<>> namespace_instrumentation;
  bool webhook_audit = false;  // TRACEASSIST_WEBHOOK_MODE=audit: warn only, never patch
  // TRACEASSIST_WEBHOOK_TARGET=pods: the webhook configuration sends Pods (the chart's pods mode),
  // so Pods a controller owns are instrumented too; with workloads (default) owned objects are not.
  bool webhook_pods = false;

  bool analytics_required = false;  // TRACEASSIST_ANALYTICS_REQUIRED: analytics not ok → unready
  // Image inspection (issue 16): TRACEASSIST_INSPECT_IMAGES turns it on for the webhook (within
  // TRACEASSIST_INSPECT_BUDGET_MS per review) and lets API requests ask for it; the registry
  // settings (TRACEASSIST_REGISTRY_*, _PLATFORM, _INSPECT_LAYERS) fill `registry`.
  bool inspect_images = false;
  int inspect_budget_ms = 2000;
  int inspect_cache_entries = 4096;  // TRACEASSIST_INSPECT_CACHE_ENTRIES: images kept in memory
  registry::RegistryOptions registry;

  bool tls_enabled() const { return !tls_cert.empty(); }
  const std::string& http_address() const { return http_bind.empty() ? bind : http_bind; }
};

// One server setting. KnownSettings() is the single table behind parsing (names, ranges), the
// config file's keys, `serve --help`, the logged effective configuration and the README's table.
struct SettingInfo {
  const char*
      name;         // lower_snake_case: the config file key and the key in the logged configuration
  const char* env;  // the environment variable
  const char* flag;  // the `serve` flag; "" when environment only
  // The default as shown; nullptr: the ServerConfig default, through `describe`.
  const char* default_text;
  long long min;  // numeric settings: accepted range (min < max); others 0, 0
  long long max;
  const char* values;  // other settings: the accepted values, for the help ("" when free text)
  const char* description;
  bool secret;  // never logged
  // The effective value in the logged configuration; nullptr for settings ServerConfig does not
  // hold (the config file path, and analytics, which reads its own settings).
  nlohmann::json (*describe)(const ServerConfig&);
};
const std::vector<SettingInfo>& KnownSettings();
// The entry for `env`; throws std::logic_error for a name not in the table.
const SettingInfo& Setting(std::string_view env);
// The default shown for `setting` in --help and the README.
std::string DefaultText(const SettingInfo& setting);
// The accepted values shown for `setting` ("0-65535", "true, false", ...), or "".
std::string RangeText(const SettingInfo& setting);
// The README's reference table (Markdown), one row per setting.
std::string SettingsMarkdownTable();

// Builds and validates the configuration; an empty value counts as unset. Throws ConfigError naming
// the first bad setting: a number out of range or not a number, an unknown log level or mode, an
// invalid Instrumentation reference, a TLS certificate without a key (or the reverse), an
// unreadable rules file.
ServerConfig ParseServerConfig(const Settings& settings);

// Reads a YAML config file of `lower_snake_case: value` pairs (the setting names without the
// TRACEASSIST_ prefix) into Settings keyed by environment variable name. Throws ConfigError when
// the file cannot be read, is not a flat mapping of scalars, or names an unknown setting.
Settings LoadConfigFile(const std::string& path);

// The effective configuration as one JSON object, with tokens and other secrets masked.
nlohmann::json DescribeConfig(const ServerConfig& config);

}  // namespace traceassist::webhook
