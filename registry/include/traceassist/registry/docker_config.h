// Credentials from a Docker config.json (`docker login` writes it; a kubernetes.io/dockerconfigjson
// Secret holds the same document as .dockerconfigjson). Reads bytes given to it: which file to read
// (DOCKER_CONFIG, ~/.docker/config.json, the mounted Secret) is the binary's decision.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "traceassist/registry/options.h"

namespace traceassist::registry {

// Parses "auths": {host: {auth | username+password | identitytoken | registrytoken}}. Keys are
// normalised to host[:port] ("https://index.docker.io/v1/" -> "docker.io"). Returns the
// credentials, or an error naming the entry that is wrong; the error never contains a secret.
// credsStore and credHelpers (external programs) are not run; entries that use them are skipped.
std::variant<std::map<std::string, Credential>, std::string> ParseDockerConfig(
    std::string_view json);

// "https://index.docker.io/v1/" -> "docker.io", "https://ghcr.io" -> "ghcr.io".
std::string NormaliseRegistryHost(std::string_view key);

}  // namespace traceassist::registry
