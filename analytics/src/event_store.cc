#include "event_store.h"

#include <algorithm>
#include <bit>
#include <random>
#include <string_view>

namespace traceassist::analytics {
namespace {

// Writes a random version 4 UUID into `text`, in its 36-character form.
void RandomUuid(std::string& text) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const std::uint64_t high = (generator() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t low = (generator() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  static constexpr char kHex[] = "0123456789abcdef";
  text.assign(36, '-');
  std::size_t at = 0;
  for (int nibble = 0; nibble < 32; ++nibble) {
    if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
    const std::uint64_t word = nibble < 16 ? high : low;
    text[at++] = kHex[(word >> (60 - 4 * (nibble % 16))) & 0xf];
  }
}

// Only short lowercase tokens are stored: anything else could carry caller text.
void Token(std::string_view text, std::string& into) {
  const bool ok =
      !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  into.assign(ok ? text : std::string_view("other"));
}

void Pseudonym(Pseudonymizer& pseudonymizer, std::string_view text,
               std::optional<std::string>& into) {
  if (!into) into.emplace();
  if (!pseudonymizer.Into(text, *into)) into.reset();
}

}  // namespace

std::int64_t SizeBucket(std::size_t bytes) {
  if (bytes == 0) return 0;
  return static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(bytes)));
}

void ToStoredEvent(const UsageEvent& event, Pseudonymizer& pseudonymizer, StoredEvent& stored) {
  RandomUuid(stored.event_id);
  stored.time_us =
      std::chrono::duration_cast<std::chrono::microseconds>(event.time.time_since_epoch()).count();
  stored.source = (event.source == "api" || event.source == "webhook") ? event.source : "other";
  Token(event.outcome, stored.outcome);
  stored.objects_seen = std::max(event.objects_seen, 0);
  stored.objects_instrumented = std::max(event.objects_instrumented, 0);
  std::size_t languages = 0;
  for (const std::string& language : event.languages) {
    if (stored.languages.size() <= languages) stored.languages.emplace_back();
    Token(language, stored.languages[languages]);
    const auto begin = stored.languages.begin();
    if (std::find(begin, begin + languages, stored.languages[languages]) == begin + languages)
      ++languages;
  }
  stored.languages.resize(languages);
  stored.changes_made = event.changes_made;
  stored.processing_us = std::max<std::int64_t>(event.processing_time.count(), 0);
  stored.manifest_size_bucket = SizeBucket(event.manifest_bytes);
  Pseudonym(pseudonymizer, event.client_repo, stored.repo_pseudonym);
  Pseudonym(pseudonymizer, event.deployment_name, stored.deployment_pseudonym);
}

}  // namespace traceassist::analytics
