// The registry flags of `traceassist instrument|detect --inspect-images`, which the CLI hands on
// unchanged to `traceassist-server inspect-images` (the CLI links no DNS/TLS; the server binary
// does the fetching). Plain strings here; the server turns them into registry::RegistryOptions.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace traceassist::cmd {

struct RegistryFlags {
  bool inspect_layers = false;
  std::vector<std::string> mirrors;    // --registry-mirror HOST=URL[,URL]
  std::vector<std::string> allow;      // --registry-allow HOST (on top of the public registries)
  std::vector<std::string> allowlist;  // --registry-allowlist HOST: only these, not the public ones
  std::vector<std::string> insecure;   // --registry-insecure HOST[:PORT]: plain HTTP allowed
  std::vector<std::string>
      private_hosts;    // --registry-private HOST: may resolve to private addresses
  std::string ca_file;  // --registry-ca FILE
  std::string platform = "linux/amd64";  // --platform OS/ARCH[/VARIANT]
  std::string docker_config;             // --docker-config FILE (default: DOCKER_CONFIG, ~/.docker)
  int timeout_ms = 30000;                // --inspect-timeout-ms per image
};

void AddRegistryFlags(CLI::App* cmd, RegistryFlags& flags);
// The same flags as arguments, for the server binary.
std::vector<std::string> RegistryArgs(const RegistryFlags& flags);

}  // namespace traceassist::cmd
