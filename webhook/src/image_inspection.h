// Image inspection in the server (issue 16): the registry client behind a bounded in-memory cache,
// fetches that run in the background and are shared by every request asking for the same image, a
// budget per review, and metrics by outcome. A review waits for the images it names until its
// deadline; an image still being fetched then is decided without (a warning says so) and the next
// review of it finds it in the cache. Failures are remembered for a minute so a bad reference does
// not cost a registry round trip per review.
//
// Thread-safety: every method is thread-safe. Background fetches keep the shared state alive.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "traceassist/common/metrics_text.h"
#include "traceassist/instrument/image_facts.h"
#include "traceassist/registry/options.h"

namespace traceassist::webhook {

class ImageInspection {
 public:
  ImageInspection(registry::RegistryOptions options, std::size_t cache_entries);
  ~ImageInspection();

  // Looks `images` up, starting background fetches for those not cached, and waits for them until
  // `deadline`. Returns the lookup for the detector (answers only from what is ready: it never
  // blocks) and appends one warning per image that gave nothing ("not inspected within the budget",
  // "refused", "failed"). Messages never hold credentials.
  instrument::ImageFactsLookup Prepare(const std::vector<std::string>& images,
                                       std::chrono::steady_clock::time_point deadline,
                                       std::vector<std::string>& warnings);

  // For API requests: a lookup that fetches on first use and waits until `deadline` at most.
  instrument::ImageFactsLookup Blocking(std::chrono::steady_clock::time_point deadline);

  // traceassist_image_inspections_total{outcome} (per image per request: cache_hit, fetched,
  // timeout, denied, error, invalid_reference) and traceassist_image_fetch_seconds (background
  // fetches).
  void Render(common::MetricsText& text) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace traceassist::webhook
