#include "traceassist/registry/facts_cache.h"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "image_json.h"
#include "traceassist/common/file.h"
#include "traceassist/registry/image_facts_json.h"

namespace traceassist::registry {
namespace {

using nlohmann::json;

}  // namespace

FactsCache::FactsCache(std::size_t max_entries, std::chrono::seconds tag_ttl,
                       std::filesystem::path directory)
    : max_entries_(std::max<std::size_t>(1, max_entries)),
      tag_ttl_(tag_ttl),
      directory_(std::move(directory)) {}

std::filesystem::path FactsCache::FileFor(const std::string& key) const {
  return directory_ / (Sha256Digest(key).substr(7) + ".json");
}

FactsCache::Entry* FactsCache::Find(const std::string& key) {
  const auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return &*it->second;
  }
  if (directory_.empty()) return nullptr;
  const std::optional<std::string> text = common::ReadFile(FileFor(key));
  if (!text) return nullptr;
  const json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("key", "") != key) return nullptr;
  Entry entry{key, doc.value("digest", ""),
              std::chrono::system_clock::time_point(std::chrono::seconds(doc.value("stored", 0LL))),
              nullptr};
  if (const auto facts = doc.find("facts"); facts != doc.end()) {
    entry.facts = ImageFactsFromJson(*facts);
    if (!entry.facts) return nullptr;
  }
  lru_.push_front(std::move(entry));
  index_[key] = lru_.begin();
  while (lru_.size() > max_entries_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return &lru_.front();
}

void FactsCache::Insert(Entry entry) {
  if (!directory_.empty()) {
    json doc = {
        {"key", entry.key},
        {"stored", std::chrono::duration_cast<std::chrono::seconds>(entry.stored.time_since_epoch())
                       .count()}};
    if (entry.facts)
      doc["facts"] = ImageFactsToJson(*entry.facts);
    else
      doc["digest"] = entry.digest;
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    const auto path = FileFor(entry.key);
    const auto temporary = path.string() + ".tmp" + std::to_string(::getpid());
    {
      std::ofstream file(temporary, std::ios::trunc);
      file << doc.dump();
    }
    std::filesystem::rename(temporary, path, error);  // a failed write only costs a later miss
    if (error) std::filesystem::remove(temporary, error);
  }
  if (const auto it = index_.find(entry.key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(std::move(entry));
  index_[lru_.front().key] = lru_.begin();
  while (lru_.size() > max_entries_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

std::optional<std::string> FactsCache::Digest(const std::string& tag_key) {
  std::lock_guard lock(mu_);
  const Entry* entry = Find("tag " + tag_key);
  if (entry == nullptr || entry->digest.empty()) return std::nullopt;
  if (std::chrono::system_clock::now() - entry->stored > tag_ttl_) return std::nullopt;
  return entry->digest;
}

void FactsCache::PutDigest(const std::string& tag_key, const std::string& digest) {
  std::lock_guard lock(mu_);
  Insert(Entry{"tag " + tag_key, digest, std::chrono::system_clock::now(), nullptr});
}

std::shared_ptr<const instrument::ImageFacts> FactsCache::Facts(const std::string& digest_key) {
  std::lock_guard lock(mu_);
  const Entry* entry = Find("facts " + digest_key);
  return entry == nullptr ? nullptr : entry->facts;
}

void FactsCache::PutFacts(const std::string& digest_key,
                          std::shared_ptr<const instrument::ImageFacts> facts) {
  std::lock_guard lock(mu_);
  Insert(Entry{"facts " + digest_key, {}, std::chrono::system_clock::now(), std::move(facts)});
}

}  // namespace traceassist::registry
