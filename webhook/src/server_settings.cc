// The table of server settings (server_config.h: SettingInfo) and what is derived from it.
#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "traceassist/webhook/server_config.h"

namespace traceassist::webhook {
namespace {

using nlohmann::json;
constexpr long long kIntMax = std::numeric_limits<int>::max();

json DescribeTokens(const ServerConfig& c) {
  // Never the tokens themselves: only how many there are.
  return c.api_tokens.empty() ? std::string("off")
                              : fmt::format("{} token(s) ***", c.api_tokens.size());
}

json DescribeNamespaces(const ServerConfig& c) {
  json namespaces = json::object();
  for (const auto& [ns, ref] : c.namespace_instrumentation) namespaces[ns] = ref;
  return namespaces;
}

// clang-format off
const std::vector<SettingInfo> kSettings = {
  {"bind", "TRACEASSIST_BIND", "--bind", nullptr, 0, 0, "", "address of both listeners", false,
   [](const ServerConfig& c) -> json { return c.bind; }},
  {"http_bind", "TRACEASSIST_HTTP_BIND", "--http-bind", "(TRACEASSIST_BIND)", 0, 0, "",
   "address of the plain HTTP listener only (127.0.0.1 with hostNetwork)", false,
   [](const ServerConfig& c) -> json { return c.http_address(); }},
  {"port", "TRACEASSIST_PORT", "--port", nullptr, 0, 65535, "",
   "plain HTTP port; 0 picks a free one", false, [](const ServerConfig& c) -> json { return c.port; }},
  {"tls_port", "TRACEASSIST_TLS_PORT", "--tls-port", nullptr, 0, 65535, "",
   "HTTPS port (the admission webhook); 0 picks a free one", false,
   [](const ServerConfig& c) -> json { return c.tls_port; }},
  {"tls_cert", "TRACEASSIST_TLS_CERT", "--tls-cert", "(unset)", 0, 0, "path",
   "PEM certificate chain; HTTPS runs when it and the key are set", false,
   [](const ServerConfig& c) -> json { return c.tls_cert; }},
  {"tls_key", "TRACEASSIST_TLS_KEY", "--tls-key", "(unset)", 0, 0, "path", "PEM private key", false,
   [](const ServerConfig& c) -> json { return c.tls_key; }},
  {"max_body_bytes", "TRACEASSIST_MAX_BODY_BYTES", "--max-body-bytes", nullptr, 1024, 1LL << 30, "",
   "largest request body, chunked ones included", false,
   [](const ServerConfig& c) -> json { return c.max_body_bytes; }},
  {"threads", "TRACEASSIST_THREADS", "--threads",
   "usable CPUs: the affinity mask, capped by a cgroup CPU limit (a pod's `limits.cpu`)", 0, 1024, "",
   "rewrites of manifests over 32 KiB at once; 0 = usable CPUs", false,
   [](const ServerConfig& c) -> json { return c.threads; }},
  {"max_connections", "TRACEASSIST_MAX_CONNECTIONS", "--max-connections", nullptr, 4, 100000, "",
   "connections served at once; more are answered 503", false,
   [](const ServerConfig& c) -> json { return c.max_connections; }},
  {"read_timeout_ms", "TRACEASSIST_READ_TIMEOUT_MS", "--read-timeout-ms", nullptr, 100, 3600000, "",
   "longest silence while reading a request", false,
   [](const ServerConfig& c) -> json { return c.read_timeout_ms; }},
  {"header_timeout_ms", "TRACEASSIST_HEADER_TIMEOUT_MS", "--header-timeout-ms", nullptr, 100,
   3600000, "", "a request's headers, from their first byte, at most (then 408)", false,
   [](const ServerConfig& c) -> json { return c.header_timeout_ms; }},
  {"body_timeout_ms", "TRACEASSIST_BODY_TIMEOUT_MS", "--body-timeout-ms", nullptr, 100, 3600000,
   "", "a request's body, from the end of its headers, at most (then 408)", false,
   [](const ServerConfig& c) -> json { return c.body_timeout_ms; }},
  {"write_timeout_ms", "TRACEASSIST_WRITE_TIMEOUT_MS", "--write-timeout-ms", nullptr, 100, 3600000,
   "", "longest stall while writing a response", false,
   [](const ServerConfig& c) -> json { return c.write_timeout_ms; }},
  {"keepalive_timeout_s", "TRACEASSIST_KEEPALIVE_TIMEOUT_S", "--keepalive-timeout-s", nullptr, 1,
   3600, "", "how long an idle keep-alive connection stays open", false,
   [](const ServerConfig& c) -> json { return c.keepalive_timeout_s; }},
  {"keepalive_max_requests", "TRACEASSIST_KEEPALIVE_MAX_REQUESTS", "--keepalive-max-requests",
   nullptr, 1, kIntMax, "", "requests per connection", false,
   [](const ServerConfig& c) -> json { return c.keepalive_max_requests; }},
  {"drain_timeout_s", "TRACEASSIST_DRAIN_TIMEOUT_S", "--drain-timeout-s", nullptr, 0, 3600, "",
   "in-flight work allowed after SIGTERM", false,
   [](const ServerConfig& c) -> json { return c.drain_timeout_s; }},
  {"log_level", "TRACEASSIST_LOG_LEVEL", "--log-level", nullptr, 0, 0,
   "trace, debug, info, warn, error, off", "log level", false,
   [](const ServerConfig& c) -> json { return c.log_level; }},
  {"api_tokens", "TRACEASSIST_API_TOKENS", "", "(unset: auth off)", 0, 0, "token,token,...",
   "bearer tokens for POST /workflow/instrument (16+ printable characters each)", true,
   DescribeTokens},
  {"rate_limit_rps", "TRACEASSIST_RATE_LIMIT_RPS", "--rate-limit-rps", "0 (off)", 0, 1000000, "",
   "requests per second per token (or address); 0 = off", false,
   [](const ServerConfig& c) -> json { return c.rate_limit_rps; }},
  {"instrumentation", "TRACEASSIST_INSTRUMENTATION", "--instrumentation", nullptr, 0, 0,
   "true, name, namespace/name", "Instrumentation reference written into annotations", false,
   [](const ServerConfig& c) -> json { return c.policy.instrumentation; }},
  {"namespace_instrumentation", "TRACEASSIST_NAMESPACE_INSTRUMENTATION", "", "(unset)", 0, 0,
   "ns=ref,...", "per-namespace Instrumentation reference (webhook)", false, DescribeNamespaces},
  {"rules_file", "TRACEASSIST_RULES_FILE", "--rules-file", "(unset)", 0, 0, "path",
   "YAML detection rules", false, [](const ServerConfig& c) -> json { return c.rules_file; }},
  {"enable_go", "TRACEASSIST_ENABLE_GO", "", nullptr, 0, 0, "true, false",
   "instrument Go (eBPF, privileged)", false,
   [](const ServerConfig& c) -> json { return c.policy.enable_go; }},
  {"enable_nginx", "TRACEASSIST_ENABLE_NGINX", "", nullptr, 0, 0, "true, false", "instrument nginx",
   false, [](const ServerConfig& c) -> json { return c.policy.enable_nginx; }},
  {"init_containers", "TRACEASSIST_INIT_CONTAINERS", "", nullptr, 0, 0, "true, false",
   "consider init containers", false,
   [](const ServerConfig& c) -> json { return c.policy.init_containers; }},
  {"webhook_mode", "TRACEASSIST_WEBHOOK_MODE", "--webhook-mode", nullptr, 0, 0, "enforce, audit",
   "audit: warn only, never patch", false,
   [](const ServerConfig& c) -> json { return c.webhook_audit ? "audit" : "enforce"; }},
  {"webhook_target", "TRACEASSIST_WEBHOOK_TARGET", "--webhook-target", nullptr, 0, 0,
   "workloads, pods", "pods: the webhook is sent Pods, and instruments those a controller owns",
   false, [](const ServerConfig& c) -> json { return c.webhook_pods ? "pods" : "workloads"; }},
  {"config_file", "TRACEASSIST_CONFIG_FILE", "--config-file", "(unset)", 0, 0, "path",
   "YAML file of these settings (lower_snake_case names)", false, nullptr},
  {"database_url", "DATABASE_URL", "", "(unset: analytics off)", 0, 0, "postgresql://...",
   "PostgreSQL for usage analytics", true, nullptr},
  {"analytics_key", "TRACEASSIST_ANALYTICS_KEY", "", "(unset)", 0, 0, "",
   "key of the repository pseudonyms", true, nullptr},
  {"analytics_queue", "TRACEASSIST_ANALYTICS_QUEUE", "", "100000", 0, 0, "1-100000000",
   "usage events held in memory at most", false, nullptr},
  {"analytics_required", "TRACEASSIST_ANALYTICS_REQUIRED", "", nullptr, 0, 0, "true, false",
   "not ready while analytics is not ok", false,
   [](const ServerConfig& c) -> json { return c.analytics_required; }},
  {"analytics_retention_days", "TRACEASSIST_ANALYTICS_RETENTION_DAYS", "", "365", 0, 0, "0-100000",
   "days usage events are kept", false, nullptr},
  {"inspect_images", "TRACEASSIST_INSPECT_IMAGES", "--inspect-images", nullptr, 0, 0, "true, false",
   "read image configs from registries: webhook within the budget, API when a request asks", false,
   [](const ServerConfig& c) -> json { return c.inspect_images; }},
  {"inspect_budget_ms", "TRACEASSIST_INSPECT_BUDGET_MS", "--inspect-budget-ms", nullptr, 50, 60000, "",
   "time one admission review waits for images; past it the fetch goes on in the background", false,
   [](const ServerConfig& c) -> json { return c.inspect_budget_ms; }},
  {"inspect_cache_entries", "TRACEASSIST_INSPECT_CACHE_ENTRIES", "", nullptr, 16, 1000000, "",
   "image facts and tags kept in memory", false,
   [](const ServerConfig& c) -> json { return c.inspect_cache_entries; }},
  {"inspect_layers", "TRACEASSIST_INSPECT_LAYERS", "", nullptr, 0, 0, "true, false",
   "also read the entrypoint's file from the layers (Go build info, ELF interpreter)", false,
   [](const ServerConfig& c) -> json { return c.registry.inspect_layers; }},
  {"registry_mirrors", "TRACEASSIST_REGISTRY_MIRRORS", "", "(unset)", 0, 0, "host=url[,url] ...",
   "endpoints tried before a registry (containerd hosts.toml meaning)", false,
   [](const ServerConfig& c) -> json {
     json out = json::object();
     for (const auto& [host, urls] : c.registry.mirrors) out[host] = urls;
     return out;
   }},
  {"registry_allow", "TRACEASSIST_REGISTRY_ALLOW", "", "(unset: public registries only)", 0, 0,
   "host,*.suffix,...", "registries allowed besides the public ones", false,
   [](const ServerConfig& c) -> json { return c.registry.extra_registries; }},
  {"registry_insecure", "TRACEASSIST_REGISTRY_INSECURE", "", "(unset)", 0, 0, "host[:port],...",
   "hosts that may be reached over plain HTTP", false,
   [](const ServerConfig& c) -> json { return c.registry.insecure_hosts; }},
  {"registry_private", "TRACEASSIST_REGISTRY_PRIVATE", "", "(unset)", 0, 0, "host,...",
   "hosts that may resolve to loopback or private addresses (in-cluster registries)", false,
   [](const ServerConfig& c) -> json { return c.registry.private_address_hosts; }},
  {"registry_ca", "TRACEASSIST_REGISTRY_CA", "", "(unset: system store)", 0, 0, "path",
   "PEM bundle for registry TLS", false, [](const ServerConfig& c) -> json { return c.registry.ca_file; }},
  {"registry_credentials", "TRACEASSIST_REGISTRY_CREDENTIALS", "", "(unset)", 0, 0, "path",
   "Docker config.json (a mounted kubernetes.io/dockerconfigjson Secret's .dockerconfigjson)", false,
   [](const ServerConfig& c) -> json {
     json hosts = json::array();  // names only, never the credentials
     for (const auto& entry : c.registry.credentials) hosts.push_back(entry.first);
     return hosts;
   }},
  {"platform", "TRACEASSIST_PLATFORM", "", nullptr, 0, 0, "os/arch[/variant]",
   "platform picked from multi-platform images", false,
   [](const ServerConfig& c) -> json {
     return c.registry.os + "/" + c.registry.architecture + (c.registry.variant.empty() ? "" : "/" + c.registry.variant);
   }},
};
// clang-format on

}  // namespace

const std::vector<SettingInfo>& KnownSettings() { return kSettings; }

const SettingInfo& Setting(std::string_view env) {
  for (const SettingInfo& setting : kSettings) {
    if (env == setting.env) return setting;
  }
  throw std::logic_error(fmt::format("no setting {}", env));
}

std::string DefaultText(const SettingInfo& setting) {
  if (setting.default_text != nullptr) return setting.default_text;
  const json value = setting.describe(ServerConfig{});
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string RangeText(const SettingInfo& setting) {
  if (setting.min < setting.max) return fmt::format("{}-{}", setting.min, setting.max);
  return setting.values;
}

std::string SettingsMarkdownTable() {
  std::string out = "| Variable | Flag | Default | Values | Meaning |\n|---|---|---|---|---|\n";
  for (const SettingInfo& s : kSettings) {
    const std::string flag = *s.flag ? fmt::format("`{}`", s.flag) : "";
    const std::string range = RangeText(s);
    fmt::format_to(std::back_inserter(out), "| `{}` | {} | {} | {} | {} |\n", s.env, flag,
                   DefaultText(s), range.empty() ? "" : fmt::format("`{}`", range), s.description);
  }
  return out;
}

nlohmann::json DescribeConfig(const ServerConfig& config) {
  json described = {{"tls", config.tls_enabled()}};
  for (const SettingInfo& setting : kSettings) {
    if (setting.describe != nullptr) described[setting.name] = setting.describe(config);
  }
  return described;
}

}  // namespace traceassist::webhook
