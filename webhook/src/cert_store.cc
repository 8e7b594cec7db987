// Certificate hot reload through an SSL_CTX certificate callback (library-facts §2.2): handshakes
// read a shared_ptr under a mutex; a reload swaps it. Never touches the live SSL_CTX after Install.
#include "traceassist/webhook/cert_store.h"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <utility>

#include "openssl_handles.h"
#include "traceassist/common/file.h"

namespace traceassist::webhook {

template <typename T>
using Result = CertResult<T>;
using Status = CertStatus;

struct CertificateStore::CertifiedKey {
  X509Ptr cert;
  EvpPkeyPtr key;
  X509StackPtr chain;  // intermediates after the leaf; may be empty
  std::string description;
  std::int64_t not_after = 0;  // the leaf's notAfter, Unix seconds
};

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::optional<std::string> content = common::ReadFile(path);
  if (!content) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
  return std::move(*content);
}

std::string AsnTimeToIso(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string DescribeCertificate(X509* cert) {
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  X509_digest(cert, EVP_sha256(), digest, &digest_len);
  std::string fingerprint;
  for (unsigned int i = 0; i < digest_len; ++i) {
    fingerprint += fmt::format("{}{:02X}", i ? ":" : "", digest[i]);
  }
  return fmt::format("subject {}, expires {}, sha256 {}", subject,
                     AsnTimeToIso(X509_get0_notAfter(cert)), fingerprint);
}

}  // namespace

CertificateStore::CertificateStore(std::string cert_path, std::string key_path)
    : cert_path_(std::move(cert_path)), key_path_(std::move(key_path)) {}

CertificateStore::~CertificateStore() = default;

Result<std::unique_ptr<CertificateStore>> CertificateStore::Load(std::string cert_path,
                                                                 std::string key_path) {
  std::unique_ptr<CertificateStore> store(
      new CertificateStore(std::move(cert_path), std::move(key_path)));
  auto loaded = store->ReloadIfChanged();
  if (!loaded.ok()) return loaded.status();
  return store;
}

Result<bool> CertificateStore::ReloadIfChanged() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  FileStamp stamps[2];
  const std::string* paths[2] = {&cert_path_, &key_path_};
  for (int i = 0; i < 2; ++i) {
    struct stat st {};
    // stat follows the kubelet's symlinks (tls.crt -> ..data/tls.crt -> ..<timestamp>/tls.crt), so
    // a swapped Secret shows as a new inode.
    if (::stat(paths[i]->c_str(), &st) != 0) {
      return Status::Error("cannot stat " + *paths[i] + ": " + std::strerror(errno));
    }
    stamps[i] = {st.st_dev, st.st_ino, st.st_size,
                 static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  if (Current() && stamps[0] == cert_stamp_ && stamps[1] == key_stamp_) return false;

  auto cert_pem = ReadFile(cert_path_);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadFile(key_path_);
  if (!key_pem.ok()) return key_pem.status();
  cert_stamp_ = stamps[0];
  key_stamp_ = stamps[1];
  if (Current() && cert_pem.value() == cert_pem_ && key_pem.value() == key_pem_) return false;
  cert_pem_ = std::move(cert_pem).value();
  key_pem_ = std::move(key_pem).value();

  auto parsed = ParsePair(cert_pem_, cert_path_, key_pem_, key_path_);
  if (!parsed.ok()) return parsed.status();
  std::lock_guard<std::mutex> swap(current_mu_);
  current_ = std::move(parsed).value();
  return true;
}

std::shared_ptr<const CertificateStore::CertifiedKey> CertificateStore::Current() const {
  std::lock_guard<std::mutex> lock(current_mu_);
  return current_;
}

std::string CertificateStore::Describe() const {
  auto current = Current();
  return current ? current->description : std::string("no certificate");
}

std::int64_t CertificateStore::NotAfter() const {
  auto current = Current();
  return current ? current->not_after : 0;
}

void CertificateStore::Install(SSL_CTX* ctx) const {
  SSL_CTX_set_cert_cb(ctx, &CertificateStore::CertCallback, const_cast<CertificateStore*>(this));
}

int CertificateStore::CertCallback(SSL* ssl, void* arg) {
  auto current = static_cast<const CertificateStore*>(arg)->Current();
  if (!current) return 0;
  // SSL_use_cert_and_key takes its own references, so the pair may be swapped out right after.
  return SSL_use_cert_and_key(ssl, current->cert.get(), current->key.get(), current->chain.get(),
                              /*override=*/1) == 1
             ? 1
             : 0;
}

Result<std::shared_ptr<const CertificateStore::CertifiedKey>> CertificateStore::ParsePair(
    const std::string& cert_pem, const std::string& cert_path, const std::string& key_pem,
    const std::string& key_path) {
  ERR_clear_error();
  auto pair = std::make_shared<CertifiedKey>();
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  pair->cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!pair->cert) return Status::Error(OpenSslError(cert_path + " holds no PEM certificate"));
  pair->chain.reset(sk_X509_new_null());
  while (X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)) {
    sk_X509_push(pair->chain.get(), extra);
  }
  ERR_clear_error();  // the loop ends on "no start line"

  BioPtr key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  pair->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!pair->key) return Status::Error(OpenSslError(key_path + " holds no PEM private key"));
  if (X509_check_private_key(pair->cert.get(), pair->key.get()) != 1) {
    return Status::Error(
        OpenSslError("the key in " + key_path + " does not match the certificate in " + cert_path));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(pair->cert.get())) <= 0) {
    return Status::Error("the certificate in " + cert_path + " expired at " +
                         AsnTimeToIso(X509_get0_notAfter(pair->cert.get())));
  }
  pair->description = DescribeCertificate(pair->cert.get());
  pair->not_after = NotAfterUnixSeconds(pair->cert.get()).value_or(0);
  return std::shared_ptr<const CertifiedKey>(std::move(pair));
}

namespace {

// The server's protocol choice: the API server sends ALPN http/1.1 only; never pick h2.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static constexpr unsigned char kHttp11[] = "\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11 - 1, in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;  // a client without http/1.1 in its list proceeds without ALPN
}

}  // namespace

Status ConfigureServerContext(SSL_CTX* ctx) {
  // ECDHE for forward secrecy and AEAD only (Mozilla "intermediate" TLS 1.2 list).
  static constexpr const char* kTls12Ciphers =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Status::Error(OpenSslError("TLS settings"));
  }
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(ctx, &SelectAlpn, nullptr);
  return Status::Ok();
}

}  // namespace traceassist::webhook
