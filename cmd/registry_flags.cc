#include "registry_flags.h"

namespace traceassist::cmd {

void AddRegistryFlags(CLI::App* cmd, RegistryFlags& f) {
  const char* group = "Image inspection";
  cmd->add_flag("--inspect-layers", f.inspect_layers,
                "Also read the entrypoint's file from the image layers (Go build info, musl/glibc)")
      ->group(group);
  cmd->add_option("--registry-mirror", f.mirrors,
                  "HOST=URL[,URL]: try these endpoints for HOST first (containerd hosts.toml)")
      ->group(group)
      ->allow_extra_args(false);
  cmd->add_option("--registry-allow", f.allow, "Registry HOST to allow besides the public ones")
      ->group(group)
      ->allow_extra_args(false);
  cmd->add_option(
         "--registry-allowlist", f.allowlist,
         "Registry HOST to allow instead of the public ones (repeatable; *.suffix matches)")
      ->group(group)
      ->allow_extra_args(false);
  cmd->add_option("--registry-insecure", f.insecure,
                  "HOST[:PORT] that may be reached over plain HTTP")
      ->group(group)
      ->allow_extra_args(false);
  cmd->add_option("--registry-private", f.private_hosts,
                  "HOST that may resolve to a loopback or private address (in-cluster registries)")
      ->group(group)
      ->allow_extra_args(false);
  cmd->add_option("--registry-ca", f.ca_file, "PEM bundle to verify registries with")->group(group);
  cmd->add_option("--platform", f.platform, "Platform picked from multi-platform images")
      ->group(group);
  cmd->add_option(
         "--docker-config", f.docker_config,
         "Docker config.json with registry credentials (default $DOCKER_CONFIG/config.json, "
         "~/.docker/config.json)")
      ->group(group);
  cmd->add_option("--inspect-timeout-ms", f.timeout_ms, "Time for one image at most")
      ->group(group)
      ->check(CLI::Range(100, 600000));
}

std::vector<std::string> RegistryArgs(const RegistryFlags& f) {
  std::vector<std::string> args;
  if (f.inspect_layers) args.push_back("--inspect-layers");
  auto each = [&](const char* flag, const std::vector<std::string>& values) {
    for (const auto& v : values) {
      args.push_back(flag);
      args.push_back(v);
    }
  };
  each("--registry-mirror", f.mirrors);
  each("--registry-allow", f.allow);
  each("--registry-allowlist", f.allowlist);
  each("--registry-insecure", f.insecure);
  each("--registry-private", f.private_hosts);
  if (!f.ca_file.empty()) args.insert(args.end(), {"--registry-ca", f.ca_file});
  if (!f.docker_config.empty()) args.insert(args.end(), {"--docker-config", f.docker_config});
  args.insert(args.end(),
              {"--platform", f.platform, "--inspect-timeout-ms", std::to_string(f.timeout_ms)});
  return args;
}

}  // namespace traceassist::cmd
