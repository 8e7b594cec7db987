#include "event_store.h"

#include <algorithm>
#include <bit>
#include <random>
#include <string_view>

namespace traceassist::analytics {
namespace {

// Only short lowercase tokens are stored: anything else could carry caller text.
std::string Token(std::string_view text) {
  const bool ok =
      !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  return ok ? std::string(text) : std::string("other");
}

// A version 4 UUID in its 36-character text form.
std::string RandomUuid() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const std::uint64_t high = (generator() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t low = (generator() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(36, '-');
  std::size_t at = 0;
  for (int nibble = 0; nibble < 32; ++nibble) {
    if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
    const std::uint64_t word = nibble < 16 ? high : low;
    text[at++] = kHex[(word >> (60 - 4 * (nibble % 16))) & 0xf];
  }
  return text;
}

}  // namespace

std::int64_t SizeBucket(std::size_t bytes) {
  if (bytes == 0) return 0;
  return static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(bytes)));
}

StoredEvent ToStoredEvent(const UsageEvent& event, Pseudonymizer& pseudonymizer) {
  StoredEvent stored;
  stored.event_id = RandomUuid();
  stored.time_us =
      std::chrono::duration_cast<std::chrono::microseconds>(event.time.time_since_epoch()).count();
  stored.source = (event.source == "api" || event.source == "webhook") ? event.source : "other";
  stored.outcome = Token(event.outcome);
  stored.objects_seen = std::max(event.objects_seen, 0);
  stored.objects_instrumented = std::max(event.objects_instrumented, 0);
  for (const std::string& language : event.languages) {
    std::string token = Token(language);
    if (std::find(stored.languages.begin(), stored.languages.end(), token) ==
        stored.languages.end()) {
      stored.languages.push_back(std::move(token));
    }
  }
  stored.changes_made = event.changes_made;
  stored.processing_us = std::max<std::int64_t>(event.processing_time.count(), 0);
  stored.manifest_size_bucket = SizeBucket(event.manifest_bytes);
  stored.repo_pseudonym = pseudonymizer.Of(event.client_repo);
  stored.deployment_pseudonym = pseudonymizer.Of(event.deployment_name);
  return stored;
}

}  // namespace traceassist::analytics
