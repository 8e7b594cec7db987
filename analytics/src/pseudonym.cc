#include "pseudonym.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace traceassist::analytics {
namespace {

constexpr std::size_t kBlock = 64;  // SHA-256 block size

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

MdCtx NewContext() {
  MdCtx context(EVP_MD_CTX_new());
  if (!context) throw std::runtime_error("analytics: OpenSSL could not allocate a digest context");
  return context;
}

void Check(int ok) {
  if (ok != 1) throw std::runtime_error("analytics: OpenSSL SHA-256 failed");
}

}  // namespace

struct Pseudonymizer::HashState {
  MdCtx inner = NewContext();  // after absorbing key ^ ipad
  MdCtx outer = NewContext();  // after absorbing key ^ opad
  MdCtx work = NewContext();
};

Pseudonymizer::Pseudonymizer(std::string_view key) : state_(std::make_unique<HashState>()) {
  const EVP_MD* sha256 = EVP_sha256();
  std::array<unsigned char, kBlock> block{};
  if (key.size() > kBlock) {  // RFC 2104: long keys are hashed first
    unsigned int length = 0;
    Check(EVP_Digest(key.data(), key.size(), block.data(), &length, sha256, nullptr));
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<unsigned char, kBlock> pad{};
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  Check(EVP_DigestInit_ex(state_->inner.get(), sha256, nullptr));
  Check(EVP_DigestUpdate(state_->inner.get(), pad.data(), pad.size()));
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  Check(EVP_DigestInit_ex(state_->outer.get(), sha256, nullptr));
  Check(EVP_DigestUpdate(state_->outer.get(), pad.data(), pad.size()));
}

Pseudonymizer::~Pseudonymizer() = default;
Pseudonymizer::Pseudonymizer(Pseudonymizer&&) noexcept = default;
Pseudonymizer& Pseudonymizer::operator=(Pseudonymizer&&) noexcept = default;

std::optional<std::string> Pseudonymizer::Of(std::string_view text) {
  std::string hex;
  if (!Into(text, hex)) return std::nullopt;
  return hex;
}

bool Pseudonymizer::Into(std::string_view text, std::string& hex) {
  if (text.empty()) return false;
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int inner_length = 0;
  unsigned int length = 0;
  EVP_MD_CTX* work = state_->work.get();
  if (EVP_MD_CTX_copy_ex(work, state_->inner.get()) != 1 ||
      EVP_DigestUpdate(work, text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(work, inner, &inner_length) != 1 ||
      EVP_MD_CTX_copy_ex(work, state_->outer.get()) != 1 ||
      EVP_DigestUpdate(work, inner, inner_length) != 1 ||
      EVP_DigestFinal_ex(work, digest, &length) != 1) {
    return false;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  hex.resize(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return true;
}

std::string Pseudonymizer::RandomKey() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("analytics: the OpenSSL random generator failed");
  }
  return key;
}

}  // namespace traceassist::analytics
