// The parts of an image reference that detection reads: repository and tag (declared in
// detector.h).
#include "match.h"
#include "traceassist/instrument/detector.h"

namespace traceassist::instrument {

std::string ImageRepository(std::string_view image) {
  std::string_view ref = image;
  if (const auto at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref = ref.substr(0, colon);
  }
  std::string repo = ToLower(ref);
  for (std::string_view prefix : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
    if (repo.compare(0, prefix.size(), prefix) == 0) {
      repo.erase(0, prefix.size());
      break;
    }
  }
  if (repo.compare(0, 8, "library/") == 0) repo.erase(0, 8);
  return repo;
}

std::string ImageTag(std::string_view image) {
  std::string_view ref = image;
  if (const auto at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
    return {};
  return std::string(ref.substr(colon + 1));
}

}  // namespace traceassist::instrument
