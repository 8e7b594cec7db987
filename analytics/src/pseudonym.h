// Keyed pseudonyms: HMAC-SHA256 of an identifier under a secret key, so usage per repository can be
// counted without storing (or being able to recover) the name.
//
// Not thread-safe (it reuses hashing state between calls): one owner thread, e.g. the writer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace traceassist::analytics {

class Pseudonymizer {
 public:
  // `key` may be any non-empty byte string. Throws std::runtime_error if OpenSSL fails.
  explicit Pseudonymizer(std::string_view key);
  ~Pseudonymizer();
  Pseudonymizer(Pseudonymizer&&) noexcept;
  Pseudonymizer& operator=(Pseudonymizer&&) noexcept;

  // Returns the lowercase hex HMAC-SHA256 of `text` (64 characters), or nullopt for empty text
  // (nothing to count) or if OpenSSL fails (storing nothing is the safe answer).
  std::optional<std::string> Of(std::string_view text);
  // As Of, into `hex` (whose memory is reused); false (and `hex` unspecified) where Of gives
  // nullopt.
  bool Into(std::string_view text, std::string& hex);

  // 32 random bytes from the OpenSSL CSPRNG; throws std::runtime_error if it cannot supply them.
  static std::string RandomKey();

 private:
  // SHA-256 states with the padded key already absorbed: each pseudonym costs two short hashes
  // instead of a key schedule and a digest lookup (about 10x faster than one-shot HMAC()).
  struct HashState;
  std::unique_ptr<HashState> state_;
};

}  // namespace traceassist::analytics
