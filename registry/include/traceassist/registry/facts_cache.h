// Caches of what inspections learned. Manifest digests are immutable, so facts by digest never
// expire (they are only evicted); a tag -> digest answer lives `tag_ttl`. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "traceassist/instrument/image_facts.h"

namespace traceassist::registry {

class FactsCache {
 public:
  explicit FactsCache(std::size_t max_entries = 4096,
                      std::chrono::seconds tag_ttl = std::chrono::minutes(5),
                      std::filesystem::path directory = {});
  // With a directory ($XDG_CACHE_HOME/traceassist for the CLI) entries also go to disk, one small
  // JSON file each, written atomically; unreadable files are treated as misses. Without one it is
  // memory only.

  // The digest `tag_key` pointed at less than tag_ttl ago, or nothing.
  std::optional<std::string> Digest(const std::string& tag_key);
  void PutDigest(const std::string& tag_key, const std::string& digest);
  // Facts stored under `digest_key`, or null.
  std::shared_ptr<const instrument::ImageFacts> Facts(const std::string& digest_key);
  void PutFacts(const std::string& digest_key, std::shared_ptr<const instrument::ImageFacts> facts);

 private:
  struct Entry {
    std::string key;
    std::string digest;  // tag entries
    std::chrono::system_clock::time_point stored;
    std::shared_ptr<const instrument::ImageFacts> facts;  // facts entries
  };
  void Insert(Entry entry);             // under mu_
  Entry* Find(const std::string& key);  // under mu_; moves it to the front
  std::filesystem::path FileFor(const std::string& key) const;

  const std::size_t max_entries_;
  const std::chrono::seconds tag_ttl_;
  const std::filesystem::path directory_;
  std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace traceassist::registry
