// The registry formats the client reads: OCI image index / Docker manifest list, OCI / Docker image
// manifest, and the image config. Pure functions over bytes; never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "traceassist/instrument/image_facts.h"

namespace traceassist::registry {

// The Accept header for manifests: every type the client understands.
extern const char* const kManifestAccept;

struct Descriptor {
  std::string media_type, digest;
  std::uint64_t size = 0;
  std::string os, architecture, variant;  // only in an index
};

struct Manifest {
  bool is_index = false;
  std::vector<Descriptor> manifests;  // index: one per platform
  Descriptor config;                  // image manifest
  std::vector<Descriptor> layers;     // image manifest, bottom layer first
};

// Parses a manifest or index. `content_type` is the response's Content-Type (may be empty; the
// body's mediaType and shape decide then). Returns the manifest or what is wrong with it.
std::variant<Manifest, std::string> ParseManifest(std::string_view body,
                                                  std::string_view content_type);

// The index entry for os/architecture[/variant], or null (the error names the platforms offered).
const Descriptor* SelectPlatform(const Manifest& index, const std::string& os,
                                 const std::string& architecture, const std::string& variant,
                                 std::string& error);

// Reads Env, Entrypoint, Cmd, WorkingDir, Labels and history[].created_by from an image config into
// `facts` (reference and digest are left alone). Returns an empty string or what is wrong.
std::string ParseImageConfig(std::string_view body, instrument::ImageFacts& facts);

// "sha256:<hex>" of `bytes`.
std::string Sha256Digest(std::string_view bytes);

// Checks that `bytes` has `digest` (sha256 or sha512). Empty string when it does, else why not.
std::string VerifyDigest(std::string_view bytes, std::string_view digest);

}  // namespace traceassist::registry
