// Finding the entrypoint's file in an image's layer tarballs (gzip, zstd or plain tar, read with
// libarchive), top layer first, with OCI whiteouts (.wh.<name>, .wh..wh..opq) and symlinks.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "image_json.h"
#include "traceassist/instrument/image_facts.h"

namespace traceassist::registry {

// A verified layer blob, or the reason it could not be had.
using LayerFetcher = std::function<std::variant<std::string, std::string>(const Descriptor& layer)>;

struct LayerSearch {
  std::optional<instrument::BinaryFacts> binary;  // found (a regular file at a candidate path)
  std::string note;  // why nothing was found: no candidate, budget, fetch error, not in the layers
};

// Looks for instrument::ProgramCandidates(facts) (the most likely first). Walks `layers` (bottom
// first, as in the manifest) from the top until the first candidate that exists is found, fetching
// at most `max_layer_bytes` of blobs and reading at most `max_file_bytes` of the file. Never
// throws.
LayerSearch FindEntryBinary(const instrument::ImageFacts& facts,
                            const std::vector<Descriptor>& layers, const LayerFetcher& fetch,
                            std::uint64_t max_layer_bytes, std::uint64_t max_file_bytes);

}  // namespace traceassist::registry
