// Who may call /workflow/instrument and how often: bearer tokens checked in constant time, and an
// optional token-bucket rate limit per token (or per client address when auth is off).
//
// Thread-safety: TokenSet is immutable after construction; RateLimiter is internally locked.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace traceassist::webhook {

class TokenSet {
 public:
  explicit TokenSet(const std::vector<std::string>& tokens);
  bool enabled() const { return !digests_.empty(); }
  // The index of the token in `authorization` ("Bearer <token>"), or nullopt. Compares SHA-256
  // digests with CRYPTO_memcmp against every configured token, so the time taken depends neither on
  // where a guess differs nor on which token matched.
  std::optional<std::size_t> Match(std::string_view authorization) const;

 private:
  std::vector<std::array<unsigned char, 32>> digests_;
};

class RateLimiter {
 public:
  // `rps` requests per second with a burst of max(1, rps); 0 turns it off.
  explicit RateLimiter(double rps);
  bool enabled() const { return rps_ > 0; }
  // True when `key` may make one more request now; otherwise false (answer 429).
  bool Allow(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rps_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace traceassist::webhook
