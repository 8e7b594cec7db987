// `traceassist certs --secret`: the webhook's TLS Secret and CA bundle kept in a cluster, the
// kube-webhook-certgen pattern (a Helm hook Job with its own ServiceAccount). Talks to the API
// server with a bearer token (the pod's service-account token in a cluster) over cpp-httplib's TLS
// client.
//
// One run, idempotent:
// - the Secret is missing: a new CA and server certificate are created as a kubernetes.io/tls
// Secret
//   (tls.crt, tls.key, ca.crt); a Secret that already exists is never replaced, except
// - its server certificate expires within `renew_within_days`: a new CA and certificate replace it,
// but
//   only after every named webhook configuration trusts both the old and the new CA (so the pods
//   serving the old certificate stay trusted until they load the new one);
// - every webhook of each named MutatingWebhookConfiguration gets the Secret's ca.crt as its
// caBundle
//   unless its caBundle already holds that CA. A configuration that does not exist yet is reported
//   and skipped (a pre-install hook runs before the chart creates it).
// Nothing changes on a second run. Not thread-safe (cpp-httplib client on the calling thread).
#pragma once

#include <string>
#include <vector>

#include "traceassist/webhook/cert_gen.h"

namespace traceassist::webhook {

struct KubeConnection {
  std::string server;   // https://HOST:PORT
  std::string token;    // bearer token (never logged)
  std::string ca_file;  // PEM of the CA that signed the API server's certificate
};

// Each empty argument takes its in-cluster default: https://$KUBERNETES_SERVICE_HOST:
// $KUBERNETES_SERVICE_PORT and /var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt}.
CertResult<KubeConnection> ResolveKubeConnection(std::string server, const std::string& token_file,
                                                 std::string ca_file);

struct ClusterCertificateRequest {
  CertificateRequest certificate;  // service, namespace (also the Secret's), days, key type
  std::string secret_name;
  std::vector<std::string> webhook_configurations;
  int renew_within_days = 30;
};

// What one run did, one line per object ("secret ns/name: created", ...).
CertResult<std::vector<std::string>> ReconcileClusterCertificates(
    const KubeConnection& connection, const ClusterCertificateRequest& request);

}  // namespace traceassist::webhook
