// `traceassist serve` (the HTTP API and the admission webhook) and `traceassist healthcheck` (the
// container's HEALTHCHECK: the image has no curl).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "commands.h"
#include "traceassist/analytics/postgres_sink.h"
#include "traceassist/common/json_log.h"
#include "traceassist/webhook/health_probe.h"
#include "traceassist/webhook/server.h"
#include "traceassist/webhook/server_config.h"

namespace traceassist::cmd {
namespace {

using webhook::ConfigError;
using webhook::Settings;

// Defaults → config file → environment → flags.
Settings LayerSettings(const Settings& flags) {
  Settings merged;
  std::string config_file;
  if (const char* env = std::getenv("TRACEASSIST_CONFIG_FILE")) config_file = env;
  if (auto it = flags.find("TRACEASSIST_CONFIG_FILE"); it != flags.end()) config_file = it->second;
  if (!config_file.empty()) merged = webhook::LoadConfigFile(config_file);
  for (const auto& setting : webhook::KnownSettings()) {
    if (const char* value = std::getenv(setting.env)) merged[setting.env] = value;
  }
  for (const auto& [name, value] : flags) merged[name] = value;
  return merged;
}

// Every connection is a file descriptor: raise the soft limit towards the hard one so that
// max_connections (both listeners, plus the shed lane and some files) fits, or say that it does
// not.
void RaiseFileLimit(const webhook::ServerConfig& config) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(config.max_connections) * 2 + 256;
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < wanted) {
    common::LogEvent(common::LogLevel::kWarn,
                     "the open-file limit is below what TRACEASSIST_MAX_CONNECTIONS needs",
                     {{"limit", limit.rlim_cur}, {"wanted", wanted}});
  }
}

int RunServe(const Settings& flags) {
  // Signals are taken by sigwait below: block them before any thread exists, so that every thread
  // inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Few malloc arenas instead of glibc's 8 per CPU: hundreds of connection threads otherwise keep
  // freed memory spread over many arenas. MALLOC_ARENA_MAX in the environment still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);

  Settings settings;
  webhook::ServerConfig config;
  try {
    settings = LayerSettings(flags);
    config = webhook::ParseServerConfig(settings);
  } catch (const ConfigError& e) {
    std::cerr << "traceassist serve: configuration error: " << e.what() << "\n";
    return kExitUsage;
  }
  common::ConfigureJsonLogging(config.log_level);
  RaiseFileLimit(config);
  common::LogEvent(common::LogLevel::kInfo, "starting",
                   {{"version", TRACEASSIST_VERSION}, {"config", webhook::DescribeConfig(config)}});

  // The PostgreSQL sink when DATABASE_URL is set, else one that reports "off".
  std::unique_ptr<analytics::UsageSink> sink;
  try {
    const auto lookup = [&settings](std::string_view name) -> std::optional<std::string> {
      const auto it = settings.find(name);
      if (it == settings.end() || it->second.empty()) return std::nullopt;  // empty = unset
      return it->second;
    };
    sink = analytics::CreateUsageSink(analytics::ParseAnalyticsConfig(lookup, TRACEASSIST_VERSION));
  } catch (const std::exception& e) {
    std::cerr << "traceassist serve: configuration error: " << e.what() << "\n";
    return kExitUsage;
  }

  webhook::Server server(config, sink.get());
  try {
    server.Start();
  } catch (const std::exception& e) {
    common::LogEvent(common::LogLevel::kError, "cannot start", {{"error", e.what()}});
    std::cerr << "traceassist serve: " << e.what() << "\n";
    return kExitInputError;
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  common::LogEvent(common::LogLevel::kInfo, "shutting down",
                   {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  const auto started = std::chrono::steady_clock::now();
  const bool drained = server.Drain();
  if (sink) {
    // Flush queued analytics events in what is left of the drain budget (at least a second).
    const auto budget = std::chrono::seconds(config.drain_timeout_s) -
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started);
    const std::size_t lost =
        sink->Shutdown(std::max<std::chrono::milliseconds>(budget, std::chrono::seconds(1)));
    if (lost > 0) {
      common::LogEvent(common::LogLevel::kWarn, "analytics events not written", {{"events", lost}});
    }
  }
  if (!drained) {
    // Connections still running would block the server's destructor: leave now, as a failure.
    std::cout.flush();
    std::_Exit(kExitInputError);
  }
  common::LogEvent(common::LogLevel::kInfo, "stopped");
  return kExitOk;
}

}  // namespace

void RegisterServeCommands(CLI::App& app, int& exit_code) {
  CLI::App* serve = app.add_subcommand(kServe.name, kServe.description);
  std::vector<std::string> env_only;
  for (const auto& setting : webhook::KnownSettings()) {
    if (*setting.flag == '\0') env_only.emplace_back(setting.env);
  }
  serve->footer(fmt::format(
      "Every flag has an environment variable (shown in brackets); flags win over the environment, "
      "which wins over TRACEASSIST_CONFIG_FILE. Also: {}.",
      fmt::join(env_only, ", ")));
  auto values = std::make_shared<std::map<std::string, std::string>>();
  auto options = std::make_shared<std::vector<std::pair<CLI::Option*, std::string>>>();
  for (const auto& setting : webhook::KnownSettings()) {
    if (*setting.flag == '\0') continue;
    const std::string range = webhook::RangeText(setting);
    CLI::Option* option = serve->add_option(
        setting.flag, (*values)[setting.env],
        fmt::format("{} [{}] default: {}{}", setting.description, setting.env,
                    webhook::DefaultText(setting), range.empty() ? "" : ", values: " + range));
    options->emplace_back(option, setting.env);
  }
  serve->callback([&exit_code, values, options] {
    Settings flags;
    for (const auto& [option, env] : *options) {
      if (option->count() > 0) flags[env] = (*values)[env];
    }
    exit_code = RunServe(flags);
  });

  CLI::App* health = app.add_subcommand(kHealthcheck.name, kHealthcheck.description);
  auto url = std::make_shared<std::string>();
  auto timeout_ms = std::make_shared<int>(2000);
  health->add_option("--url", *url,
                     "URL to probe (default: http://127.0.0.1:$TRACEASSIST_PORT/health)");
  health->add_option("--timeout-ms", *timeout_ms, "connect and read timeout")
      ->check(CLI::Range(1, 600000));
  health->callback([&exit_code, url, timeout_ms] {
    std::string target = *url;
    if (target.empty()) {
      const char* port = std::getenv("TRACEASSIST_PORT");
      target =
          std::string("http://127.0.0.1:") + (port != nullptr && *port ? port : "8000") + "/health";
    }
    std::string detail;
    const bool healthy =
        webhook::ProbeHealth(target, std::chrono::milliseconds(*timeout_ms), detail);
    (healthy ? std::cout : std::cerr) << (healthy ? "healthy: " : "unhealthy: ") << detail << "\n";
    exit_code = healthy ? kExitOk : kExitInputError;
  });
}

}  // namespace traceassist::cmd
