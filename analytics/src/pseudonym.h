// Keyed pseudonyms: HMAC-SHA256 of an identifier under a secret key, so usage per repository can be
// counted without storing (or being able to recover) the name.
//
// Thread-safe: Of() is const and keeps no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace traceassist::analytics {

class Pseudonymizer {
 public:
  // `key` may be any non-empty byte string.
  explicit Pseudonymizer(std::string key);

  // Returns the lowercase hex HMAC-SHA256 of `text` (64 characters), or nullopt for empty text
  // (nothing to count).
  std::optional<std::string> Of(std::string_view text) const;

  // 32 random bytes from the OpenSSL CSPRNG; throws std::runtime_error if it cannot supply them.
  static std::string RandomKey();

 private:
  std::string key_;
};

}  // namespace traceassist::analytics
