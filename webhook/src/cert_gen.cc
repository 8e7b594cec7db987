// A private CA and a server certificate for the webhook, with the OpenSSL 3 API.
#include "traceassist/webhook/cert_gen.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "openssl_handles.h"
#include "traceassist/common/text.h"

namespace traceassist::webhook {
namespace {

template <typename T>
using Result = CertResult<T>;
using Status = CertStatus;

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (char ch : s) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
  }
  return true;
}

Result<EvpPkeyPtr> NewKey(KeyType type) {
  EvpPkeyPtr key(type == KeyType::kEcP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
  if (!key) return Status::Error(OpenSslError("key generation failed"));
  return key;
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Status::Error(OpenSslError(std::string("certificate extension ") + OBJ_nid2sn(nid)));
  }
  return Status::Ok();
}

struct CertSpec {
  std::string common_name;
  bool is_ca = false;
  std::vector<std::string> dns_names;
  int days = 365;
};

// Builds and signs a certificate for `key`. A null issuer makes it self-signed.
Result<X509Ptr> MakeCertificate(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                                EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  BignumPtr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      // An hour back: clocks in a cluster are rarely exactly in step.
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(spec.days) * 86400) ==
          nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return Status::Error(OpenSslError("certificate setup failed"));
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) != 1) {
    return Status::Error(OpenSslError("certificate name"));
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  std::vector<std::pair<int, std::string>> extensions;
  if (spec.is_ca) {
    extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                  {NID_key_usage, "critical,keyCertSign,cRLSign"},
                  {NID_subject_key_identifier, "hash"}};
  } else {
    std::string san;
    for (const std::string& dns : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    const bool rsa = EVP_PKEY_is_a(key, "RSA");
    extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                  {NID_key_usage,
                   rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"},
                  {NID_ext_key_usage, "serverAuth"},
                  {NID_subject_alt_name, san},
                  {NID_subject_key_identifier, "hash"},
                  {NID_authority_key_identifier, "keyid:always"}};
  }
  for (const auto& [nid, value] : extensions) {
    if (Status s = AddExtension(cert.get(), &ctx, nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return Status::Error(OpenSslError("certificate signing failed"));
  }
  return cert;
}

Result<std::string> ToPem(X509* cert, EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  const bool ok = bio && (cert ? PEM_write_bio_X509(bio.get(), cert)
                               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                                          nullptr, nullptr)) == 1;
  if (!ok) return Status::Error(OpenSslError("PEM encoding failed"));
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Status WriteFile(const std::filesystem::path& path, const std::string& content, mode_t mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Status::Error("cannot create " + tmp.string() + ": " + std::strerror(errno));
  // The mode argument is filtered by the umask and ignored for an existing file: set it explicitly.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  const int saved_errno = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Error("cannot write " + path.string() + ": " +
                         std::strerror(ok ? errno : saved_errno));
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> WebhookDnsNames(std::string_view service, std::string_view namespace_) {
  const std::string s(service);
  const std::string ns(namespace_);
  return {s, s + "." + ns, s + "." + ns + ".svc", s + "." + ns + ".svc.cluster.local", "localhost"};
}

Result<GeneratedCertificates> GenerateWebhookCertificates(const CertificateRequest& request) {
  if (!IsDnsLabel(request.service)) {
    return Status::Error("service name must be a DNS label (a-z, 0-9, '-'): '" + request.service +
                         "'");
  }
  if (!IsDnsLabel(request.namespace_)) {
    return Status::Error("namespace must be a DNS label (a-z, 0-9, '-'): '" + request.namespace_ +
                         "'");
  }
  if (request.days < 1 || request.days > 3650)
    return Status::Error("days must be between 1 and 3650");

  auto ca_key = NewKey(request.key_type);
  if (!ca_key.ok()) return ca_key.status();
  auto server_key = NewKey(request.key_type);
  if (!server_key.ok()) return server_key.status();
  auto ca = MakeCertificate({"traceassist webhook CA", true, {}, request.days},
                            ca_key.value().get(), nullptr, ca_key.value().get());
  if (!ca.ok()) return ca.status();
  const std::string service_name = request.service + "." + request.namespace_ + ".svc";
  auto server = MakeCertificate(
      {service_name, false, WebhookDnsNames(request.service, request.namespace_), request.days},
      server_key.value().get(), ca.value().get(), ca_key.value().get());
  if (!server.ok()) return server.status();

  GeneratedCertificates out;
  for (auto [target, cert, key] :
       {std::tuple{&out.ca_cert_pem, ca.value().get(), static_cast<EVP_PKEY*>(nullptr)},
        std::tuple{&out.cert_pem, server.value().get(), static_cast<EVP_PKEY*>(nullptr)},
        std::tuple{&out.key_pem, static_cast<X509*>(nullptr), server_key.value().get()}}) {
    auto pem = ToPem(cert, key);
    if (!pem.ok()) return pem.status();
    *target = std::move(pem).value();
  }
  return out;
}

Status WriteCertificateFiles(const std::string& dir, const GeneratedCertificates& certs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create " + dir + ": " + ec.message());
  const std::filesystem::path base(dir);
  for (const auto& [name, content, mode] : {std::tuple{"ca.crt", &certs.ca_cert_pem, 0644},
                                            std::tuple{"tls.crt", &certs.cert_pem, 0644},
                                            std::tuple{"tls.key", &certs.key_pem, 0600}}) {
    if (Status s = WriteFile(base / name, *content, static_cast<mode_t>(mode)); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<long long> SecondsUntilExpiry(std::string_view cert_pem) {
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Status::Error(OpenSslError("not a PEM certificate"));
  const std::optional<std::int64_t> not_after = NotAfterUnixSeconds(cert.get());
  if (!not_after) return Status::Error(OpenSslError("unreadable expiry time"));
  return static_cast<long long>(*not_after - std::time(nullptr));
}

std::string CaBundleBase64(const GeneratedCertificates& certs) {
  return common::Base64(certs.ca_cert_pem);
}

}  // namespace traceassist::webhook
