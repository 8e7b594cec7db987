#include "access_control.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>

#include "traceassist/common/text.h"
namespace traceassist::webhook {
namespace {

std::array<unsigned char, 32> Digest(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

// Buckets idle long enough to be full again carry no state; forget them so the map stays bounded.
constexpr std::size_t kPruneAbove = 10000;

}  // namespace

TokenSet::TokenSet(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) digests_.push_back(Digest(token));
}

std::optional<std::size_t> TokenSet::Match(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      !common::EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  const auto presented = Digest(authorization.substr(kScheme.size()));
  std::optional<std::size_t> match;
  for (std::size_t i = 0; i < digests_.size(); ++i) {
    // No early exit: every token is compared.
    if (CRYPTO_memcmp(presented.data(), digests_[i].data(), presented.size()) == 0) match = i;
  }
  return match;
}

RateLimiter::RateLimiter(double rps) : rps_(rps), burst_(std::max(1.0, rps)) {}

bool RateLimiter::Allow(const std::string& key, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (buckets_.size() > kPruneAbove) {
    std::erase_if(buckets_, [&](const auto& entry) {
      const std::chrono::duration<double> idle = now - entry.second.last;
      return entry.second.tokens + idle.count() * rps_ >= burst_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  const std::chrono::duration<double> elapsed = now - bucket.last;
  bucket.tokens = std::min(burst_, bucket.tokens + elapsed.count() * rps_);
  bucket.last = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

}  // namespace traceassist::webhook
