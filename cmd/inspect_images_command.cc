// `traceassist-server inspect-images [REF...]`: reads image configs from registries (registry/) and
// prints one JSON line per reference. `traceassist instrument|detect --inspect-images` runs it with
// the references on standard input, one per line, and reads the answers line by line: the static
// CLI thus links no DNS or TLS. Caches on disk in $XDG_CACHE_HOME/traceassist
// (~/.cache/traceassist).
#include <cstdlib>
#include <iostream>
#include <string>

#include "commands.h"
#include "registry_flags.h"
#include "traceassist/registry/client.h"
#include "traceassist/registry/image_facts_json.h"
#include "traceassist/registry/settings.h"

namespace traceassist::cmd {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Flags → options; the error names the flag and value.
std::string BuildRegistryOptions(const RegistryFlags& f, registry::RegistryOptions& o) {
  o.inspect_layers = f.inspect_layers;
  for (const auto& m : f.mirrors) {
    if (auto error = registry::AddMirror(o, m); !error.empty())
      return "--registry-mirror: " + error;
  }
  o.extra_registries = f.allow;
  o.allowed_registries = f.allowlist;
  o.insecure_hosts = f.insecure;
  o.private_address_hosts = f.private_hosts;
  o.ca_file = f.ca_file;
  o.inspection_timeout = std::chrono::milliseconds(f.timeout_ms);
  if (auto error = registry::SetPlatform(o, f.platform); !error.empty())
    return "--platform: " + error;
  std::string config = f.docker_config;
  const bool required = !config.empty();
  if (config.empty() && !Env("DOCKER_CONFIG").empty())
    config = Env("DOCKER_CONFIG") + "/config.json";
  if (config.empty() && !Env("HOME").empty()) config = Env("HOME") + "/.docker/config.json";
  if (!config.empty()) return registry::LoadCredentials(o, config, required);
  return {};
}

std::filesystem::path CacheDirectory() {
  if (!Env("XDG_CACHE_HOME").empty())
    return std::filesystem::path(Env("XDG_CACHE_HOME")) / "traceassist";
  if (!Env("HOME").empty()) return std::filesystem::path(Env("HOME")) / ".cache" / "traceassist";
  return {};
}

nlohmann::json Answer(const std::string& reference, const registry::Inspection& result) {
  nlohmann::json line = {{"reference", reference},
                         {"outcome", registry::OutcomeName(result.outcome)},
                         {"message", result.message},
                         {"latency_us", result.latency.count()},
                         {"facts", nullptr}};
  if (result.facts) line["facts"] = registry::ImageFactsToJson(*result.facts);
  return line;
}

}  // namespace

void RegisterInspectImagesCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RegistryFlags>();
  auto references = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(kInspectImages.name, kInspectImages.description);
  cmd->add_option("references", *references, "Image references (else one per line on stdin)");
  AddRegistryFlags(cmd, *flags);
  cmd->callback([flags, references, &exit_code] {
    registry::RegistryOptions options;
    if (auto error = BuildRegistryOptions(*flags, options); !error.empty()) {
      std::cerr << "traceassist: " << error << '\n';
      exit_code = kExitUsage;
      return;
    }
    auto cache =
        std::make_shared<registry::FactsCache>(4096, std::chrono::minutes(5), CacheDirectory());
    registry::RegistryClient client(options, cache);
    auto answer = [&](const std::string& reference) {
      const auto result =
          client.Inspect(reference, std::chrono::steady_clock::now() + options.inspection_timeout);
      std::cout << Answer(reference, result).dump()
                << std::endl;  // flushed: the CLI waits for the line
    };
    if (!references->empty()) {
      for (const auto& r : *references) answer(r);
      return;
    }
    std::string line;
    while (std::getline(std::cin, line)) answer(line);
  });
}

}  // namespace traceassist::cmd
