// Image references as Docker reads them: `nginx` is docker.io/library/nginx:latest. Plain data, no
// I/O; safe to use from any thread.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace traceassist::registry {

struct Reference {
  std::string registry;    // host[:port], e.g. "docker.io", "ghcr.io", "localhost:5000"
  std::string repository;  // e.g. "library/nginx"
  std::string tag;         // empty when only a digest was given
  std::string digest;      // "sha256:<64 hex>" or empty

  // The manifest reference to ask the registry for: the digest when there is one, else the tag.
  const std::string& ManifestRef() const { return digest.empty() ? tag : digest; }
  // Canonical form, e.g. "docker.io/library/nginx:latest" or "ghcr.io/a/b@sha256:…".
  std::string ToString() const;
};

// Parses `reference` with Docker's defaults (registry docker.io, `library/` for one-component names
// on Docker Hub, tag `latest` when neither tag nor digest is given). Returns the reference, or a
// message saying what is wrong (upper-case letters such as a PROJECT_ID placeholder, `${VAR}`,
// empty components, a bad tag or digest, a name over 255 characters). Never throws.
std::variant<Reference, std::string> ParseReference(std::string_view reference);

}  // namespace traceassist::registry
