// The registry formats (registry/src/image_json.h) and Docker config.json: manifests, indexes and
// image configs from an untrusted registry never crash the parser; a parsed index can be searched.
#include <string_view>

#include "image_json.h"
#include "traceassist/registry/docker_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace traceassist::registry;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* type : {"", "application/vnd.oci.image.index.v1+json"}) {
    const auto parsed = ParseManifest(text, type);
    if (const auto* manifest = std::get_if<Manifest>(&parsed); manifest && manifest->is_index) {
      std::string error;
      SelectPlatform(*manifest, "linux", "amd64", "", error);
    }
  }
  traceassist::instrument::ImageFacts facts;
  ParseImageConfig(text, facts);
  ParseDockerConfig(text);
  return 0;
}
