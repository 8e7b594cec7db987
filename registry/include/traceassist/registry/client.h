// Reads what an image says about itself from an OCI registry, as `crane config` does: reference ->
// (HEAD) digest -> index -> platform manifest -> config blob, every digest verified, optionally the
// entrypoint's file from the layers. Contacts only what RegistryOptions allows.
//
// Thread-safety: Inspect may be called from many threads at once (each call uses its own
// connections; the cache is thread-safe). The options are fixed at construction.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "traceassist/instrument/image_facts.h"
#include "traceassist/registry/facts_cache.h"
#include "traceassist/registry/options.h"
#include "traceassist/registry/outcome.h"

namespace traceassist::registry {

struct Inspection {
  Outcome outcome = Outcome::kError;
  // The facts (with `reference` as asked) when outcome is kCacheHit or kFetched, else null.
  std::shared_ptr<const instrument::ImageFacts> facts;
  // Why it failed, or a note (e.g. why no entry binary was read). Never contains credentials.
  std::string message;
  std::chrono::microseconds latency{0};
};

class RegistryClient {
 public:
  // `cache` may be shared between clients; null means no caching.
  RegistryClient(RegistryOptions options, std::shared_ptr<FactsCache> cache);

  // Inspects `reference` (as written in a manifest) before `deadline` (and
  // options.inspection_timeout).
  Inspection Inspect(std::string_view reference,
                     std::chrono::steady_clock::time_point deadline) const;
  // Only what the cache knows (outcome kCacheHit, or kError with message "not cached"); never
  // fetches.
  Inspection Cached(std::string_view reference) const;

  const RegistryOptions& options() const { return options_; }

 private:
  const RegistryOptions options_;
  std::shared_ptr<FactsCache> cache_;
};

}  // namespace traceassist::registry
