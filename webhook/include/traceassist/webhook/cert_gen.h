// Generates the webhook's TLS material: a private CA and a server certificate signed by it whose
// DNS SANs are the names the API server and local clients use (`traceassist certs`, tests,
// docker-compose, clusters without cert-manager). OpenSSL 3 API; no files are touched until
// WriteCertificateFiles.
//
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "traceassist/webhook/cert_result.h"

namespace traceassist::webhook {

enum class KeyType { kEcP256, kRsa2048 };

struct CertificateRequest {
  std::string service;     // the webhook's Service name (a DNS-1123 label)
  std::string namespace_;  // its namespace (a DNS-1123 label)
  int days = 365;          // validity of both certificates, 1..3650
  KeyType key_type = KeyType::kEcP256;
};

struct GeneratedCertificates {
  std::string ca_cert_pem;  // the CA bundle for the webhook configuration's caBundle
  std::string cert_pem;     // the server certificate (tls.crt)
  std::string key_pem;      // its private key, PKCS#8 (tls.key)
};

// NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local, localhost. The API server verifies
// NAME.NS.svc (a DNS SAN: Go ignores the common name).
std::vector<std::string> WebhookDnsNames(std::string_view service, std::string_view namespace_);

// Creates a fresh CA and server certificate. Errors: invalid names or days, or an OpenSSL failure
// (with OpenSSL's reason).
CertResult<GeneratedCertificates> GenerateWebhookCertificates(const CertificateRequest& request);

// Writes dir/ca.crt, dir/tls.crt (mode 0644) and dir/tls.key (mode 0600), creating dir if needed.
// Each file is written to a temporary name and renamed, so a reader never sees half a file.
CertStatus WriteCertificateFiles(const std::string& dir, const GeneratedCertificates& certs);

// Seconds until the first certificate of `cert_pem` expires (negative once it has); an error when
// there is no PEM certificate.
CertResult<long long> SecondsUntilExpiry(std::string_view cert_pem);

// The CA certificate as one base64 line: the value of a webhook configuration's caBundle.
std::string CaBundleBase64(const GeneratedCertificates& certs);

}  // namespace traceassist::webhook
