// Turning the text of flags and server settings into RegistryOptions, with errors that name the
// value. Shared by `traceassist-server inspect-images` (the CLI's --inspect-images) and `serve`.
#pragma once

#include <string>
#include <string_view>

#include "traceassist/registry/options.h"

namespace traceassist::registry {

// "docker.io=https://mirror.internal[,https://second]" (containerd hosts.toml meaning: tried in
// order, then the registry itself). Returns "" or what is wrong.
std::string AddMirror(RegistryOptions& options, std::string_view spec);

// "linux/amd64", "linux/arm64/v8". Returns "" or what is wrong.
std::string SetPlatform(RegistryOptions& options, std::string_view spec);

// Reads credentials from a Docker config.json (or a mounted .dockerconfigjson). A missing file is
// no credentials when `required` is false. Returns "" or what is wrong (never a secret).
std::string LoadCredentials(RegistryOptions& options, const std::string& path, bool required);

// The effective settings for logs: mirrors, allowlist, platform, budgets and the hosts that have
// credentials (names only).
std::string DescribeOptions(const RegistryOptions& options);

}  // namespace traceassist::registry
