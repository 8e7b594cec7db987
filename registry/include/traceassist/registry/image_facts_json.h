// ImageFacts as JSON, for the disk cache and for the pipe between the static CLI and the server
// binary that inspects images for it. Its own small target (traceassist_image_facts_json, nlohmann
// only) so that the CLI can read facts without linking the registry client.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "traceassist/instrument/image_facts.h"

namespace traceassist::registry {

nlohmann::json ImageFactsToJson(const instrument::ImageFacts& facts);
// Null when `json` is not what ImageFactsToJson writes (a file from another version, a torn write).
std::shared_ptr<instrument::ImageFacts> ImageFactsFromJson(const nlohmann::json& json);

}  // namespace traceassist::registry
