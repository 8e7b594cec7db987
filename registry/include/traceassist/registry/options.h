// What the registry client may contact and how much it may spend. Plain data with documented
// defaults; the binaries fill it from flags and server settings and validate it once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace traceassist::registry {

// Credentials for one registry host, from a Docker config.json. Never logged or reported.
struct Credential {
  std::string username, password;  // HTTP basic, also sent to the host's own token realm
  std::string identity_token;      // OAuth2 refresh token ("identitytoken")
  std::string registry_token;      // bearer token used as is ("registrytoken")
};

struct RegistryOptions {
  // Platform chosen from an OCI index / Docker manifest list.
  std::string os = "linux", architecture = "amd64", variant;

  // Registry hosts the client may contact. Empty means the built-in public registries (docker.io,
  // ghcr.io, quay.io, gcr.io and *.gcr.io, *.pkg.dev, mcr.microsoft.com, public.ecr.aws,
  // registry.k8s.io, registry.gitlab.com). Entries "*.suffix" match sub-domains. Mirror hosts and
  // hosts with credentials are always allowed.
  std::vector<std::string> allowed_registries;
  // Extra hosts allowed on top of the defaults (what `--registry-allow` adds).
  std::vector<std::string> extra_registries;

  // containerd hosts.toml meaning: for a registry host ("docker.io"), endpoints tried in order
  // before the registry itself, e.g. "https://mirror.internal". The namespace is passed as
  // `?ns=<host>`.
  std::map<std::string, std::vector<std::string>> mirrors;
  // Hosts (host[:port]) that may be reached over plain HTTP; nothing else ever is.
  std::vector<std::string> insecure_hosts;
  // Hosts (name, no port) whose addresses may be loopback, link-local or private (in-cluster
  // registries, test registries). Redirect targets and token realms elsewhere never may.
  std::vector<std::string> private_address_hosts;
  // Whether references and mirrors may name IP literals (e.g. 10.0.0.5:5000/app).
  bool allow_ip_literals = false;
  // PEM bundle for TLS verification; empty means the system store.
  std::string ca_file;
  // Test hook with curl's --resolve meaning ("host:port:address"); the address is still checked.
  std::vector<std::string> resolve;

  // Credentials by registry host (as in config.json "auths", normalised to host[:port]).
  std::map<std::string, Credential> credentials;

  // Budgets. A request is one HTTP exchange; an inspection is everything for one reference.
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds inspection_timeout{30000};
  std::chrono::milliseconds max_retry_after{10000};  // a longer 429 Retry-After gives up
  std::uint64_t max_manifest_bytes = 4u << 20;
  std::uint64_t max_config_bytes = 4u << 20;
  std::uint64_t max_token_bytes = 1u << 20;

  // --inspect-layers: read layer tarballs to find the entrypoint's file, at most this many
  // compressed bytes per image and this many bytes of the file itself.
  bool inspect_layers = false;
  std::uint64_t max_layer_bytes = 256u << 20;
  std::uint64_t max_binary_bytes = 256u << 20;
};

}  // namespace traceassist::registry
