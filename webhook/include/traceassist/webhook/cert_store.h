// The HTTPS listener's certificate and key, loaded from files (a mounted Secret) and replaceable
// while the server runs: cert-manager rotates the Secret and the kubelet swaps the mounted files
// through the
// `..data` symlink. Each TLS handshake takes the pair current at that moment (an SSL_CTX
// certificate callback), so a reload never disturbs a connection and needs no restart. A broken new
// pair is refused and the old one stays in use.
//
// Also: ConfigureServerContext, the TLS settings of the listener.
//
// Thread-safe: handshakes (any thread) read the current pair; ReloadIfChanged may be called from
// any thread (calls are serialised).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "traceassist/webhook/cert_result.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace traceassist::webhook {

class CertificateStore {
 public:
  // Reads and validates the pair: a PEM certificate (the leaf first, then any chain), a PEM private
  // key that matches it, not expired. Errors name the file and OpenSSL's reason.
  static CertResult<std::unique_ptr<CertificateStore>> Load(std::string cert_path,
                                                            std::string key_path);
  ~CertificateStore();
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // Makes every handshake on `ctx` present the current pair (SSL_CTX_set_cert_cb). The store must
  // outlive `ctx`. Do not also load a certificate into `ctx`.
  void Install(SSL_CTX* ctx) const;

  // Re-reads the files when either one's inode, size or modification time changed (cheap to call
  // every few seconds). Returns true when a new pair is now in use, false when nothing changed; an
  // error when the files cannot be read or the new pair is broken (the old pair stays in use, and
  // the same broken files are not reported again until they change).
  CertResult<bool> ReloadIfChanged();

  // The pair in use, for logs: "subject CN=..., expires 2027-11-22T00:00:00Z, sha256 AB:CD:...".
  std::string Describe() const;
  // The notAfter of the leaf in use, in Unix seconds (0 before a pair is loaded).
  std::int64_t NotAfter() const;

 private:
  struct CertifiedKey;
  struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    long long mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };

  CertificateStore(std::string cert_path, std::string key_path);
  static int CertCallback(SSL* ssl, void* arg);
  // Parses and checks a pair; the error names the file at fault.
  static CertResult<std::shared_ptr<const CertifiedKey>> ParsePair(const std::string& cert_pem,
                                                                   const std::string& cert_path,
                                                                   const std::string& key_pem,
                                                                   const std::string& key_path);
  std::shared_ptr<const CertifiedKey> Current() const;

  const std::string cert_path_;
  const std::string key_path_;

  mutable std::mutex current_mu_;
  std::shared_ptr<const CertifiedKey> current_;  // guarded by current_mu_

  std::mutex reload_mu_;  // serialises ReloadIfChanged; guards the members below
  FileStamp cert_stamp_, key_stamp_;
  std::string cert_pem_, key_pem_;  // the bytes the last attempt read
};

// Sets the listener's TLS policy on `ctx`: TLS 1.2 minimum, ECDHE with AEAD ciphers only (TLS 1.2;
// TLS 1.3 suites are all AEAD), no compression, no renegotiation, server cipher preference, and
// ALPN answering http/1.1 (the API server offers only http/1.1; h2 is never selected).
CertStatus ConfigureServerContext(SSL_CTX* ctx);

}  // namespace traceassist::webhook
