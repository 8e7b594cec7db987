// `traceassist certs`: a CA and a server certificate for the webhook, either written to a directory
// (--out; the base64 CA bundle for the webhook configuration's caBundle on stdout) or kept in the
// cluster (--secret: the TLS Secret created once and the caBundle patched into the webhook
// configurations, as a Helm hook Job does with its service-account token).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "traceassist/webhook/cert_gen.h"
#include "traceassist/webhook/kube_certs.h"

namespace traceassist::cmd {
namespace {

struct Flags {
  webhook::CertificateRequest request;
  std::string out_dir;
  bool rsa = false;
  std::string secret;
  std::vector<std::string> webhook_configurations;
  int renew_within_days = 30;
  std::string kube_api, kube_token_file, kube_ca_file;
};

int WriteFiles(const Flags& flags, const webhook::GeneratedCertificates& generated) {
  if (auto written = webhook::WriteCertificateFiles(flags.out_dir, generated); !written.ok()) {
    fmt::print(stderr, "traceassist certs: {}\n", written.message());
    return kExitInputError;
  }
  fmt::print(
      stderr, "wrote {0}/ca.crt, {0}/tls.crt, {0}/tls.key (DNS names: {1}); caBundle:\n",
      flags.out_dir,
      fmt::join(webhook::WebhookDnsNames(flags.request.service, flags.request.namespace_), ", "));
  fmt::print("{}\n", webhook::CaBundleBase64(generated));
  return 0;
}

int KeepInCluster(const Flags& flags) {
  auto connection =
      webhook::ResolveKubeConnection(flags.kube_api, flags.kube_token_file, flags.kube_ca_file);
  if (!connection.ok()) {
    fmt::print(stderr, "traceassist certs: {}\n", connection.status().message());
    return kExitUsage;
  }
  webhook::ClusterCertificateRequest request{flags.request, flags.secret,
                                             flags.webhook_configurations, flags.renew_within_days};
  auto report = webhook::ReconcileClusterCertificates(connection.value(), request);
  if (!report.ok()) {
    fmt::print(stderr, "traceassist certs: {}\n", report.status().message());
    return kExitInputError;
  }
  for (const std::string& line : report.value()) fmt::print("{}\n", line);
  return 0;
}

}  // namespace

void RegisterCertsCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<Flags>();
  CLI::App* certs = app.add_subcommand(kCerts.name, kCerts.description);
  certs->add_option("--service", flags->request.service, "Service name of the webhook")->required();
  certs
      ->add_option("--namespace", flags->request.namespace_,
                   "Namespace of the Service (and of the Secret with --secret)")
      ->required();
  auto* out = certs->add_option("--out", flags->out_dir,
                                "Directory to write the files to (created if missing)");
  auto* secret = certs->add_option(
      "--secret", flags->secret,
      "Keep the certificate in this kubernetes.io/tls Secret instead: created once, never replaced "
      "unless it expires within --renew-within days");
  out->excludes(secret);
  secret->excludes(out);
  certs
      ->add_option("--webhook-configuration", flags->webhook_configurations,
                   "With --secret: a MutatingWebhookConfiguration whose caBundle must trust the "
                   "Secret's CA (repeatable; one not created yet is skipped)")
      ->needs(secret);
  certs
      ->add_option("--renew-within", flags->renew_within_days,
                   "With --secret: renew when the certificate expires within DAYS")
      ->default_val(30)
      ->check(CLI::Range(0, 3649))
      ->needs(secret);
  certs
      ->add_option(
          "--kube-api", flags->kube_api,
          "With --secret: the API server (default: in-cluster KUBERNETES_SERVICE_HOST/PORT)")
      ->envname("TRACEASSIST_KUBE_API");
  certs
      ->add_option("--kube-token-file", flags->kube_token_file,
                   "With --secret: bearer token file (default: the pod's service-account token)")
      ->envname("TRACEASSIST_KUBE_TOKEN_FILE");
  certs
      ->add_option("--kube-ca-file", flags->kube_ca_file,
                   "With --secret: CA of the API server (default: the service-account ca.crt)")
      ->envname("TRACEASSIST_KUBE_CA_FILE");
  certs->add_option("--days", flags->request.days, "Validity in days (1-3650)")
      ->default_val(365)
      ->check(CLI::Range(1, 3650));
  certs->add_flag("--rsa", flags->rsa, "RSA 2048 keys instead of EC P-256");
  certs->callback([flags, &exit_code] {
    flags->request.key_type = flags->rsa ? webhook::KeyType::kRsa2048 : webhook::KeyType::kEcP256;
    if (flags->out_dir.empty() && flags->secret.empty()) {
      fmt::print(stderr, "traceassist certs: one of --out DIR or --secret NAME is required\n");
      exit_code = kExitUsage;
      return;
    }
    if (!flags->secret.empty()) {
      exit_code = KeepInCluster(*flags);
      return;
    }
    auto generated = webhook::GenerateWebhookCertificates(flags->request);
    if (!generated.ok()) {
      fmt::print(stderr, "traceassist certs: {}\n", generated.status().message());
      exit_code = kExitUsage;
      return;
    }
    exit_code = WriteFiles(*flags, generated.value());
  });
}

}  // namespace traceassist::cmd
