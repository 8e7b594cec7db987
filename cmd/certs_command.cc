// `traceassist certs`: a CA and a server certificate for the webhook, written to a directory, and
// the base64 CA bundle for the webhook configuration's caBundle on stdout.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "traceassist/webhook/cert_gen.h"

namespace traceassist::cmd {

void RegisterCertsCommand(CLI::App& app, int& exit_code) {
  struct Flags {
    webhook::CertificateRequest request;
    std::string out_dir;
    bool rsa = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* certs = app.add_subcommand(kCerts.name, kCerts.description);
  certs->add_option("--service", flags->request.service, "Service name of the webhook")->required();
  certs->add_option("--namespace", flags->request.namespace_, "Namespace of the Service")
      ->required();
  certs->add_option("--out", flags->out_dir, "Directory to write the files to (created if missing)")
      ->required();
  certs->add_option("--days", flags->request.days, "Validity in days (1-3650)")
      ->default_val(365)
      ->check(CLI::Range(1, 3650));
  certs->add_flag("--rsa", flags->rsa, "RSA 2048 keys instead of EC P-256");
  certs->callback([flags, &exit_code] {
    flags->request.key_type = flags->rsa ? webhook::KeyType::kRsa2048 : webhook::KeyType::kEcP256;
    auto generated = webhook::GenerateWebhookCertificates(flags->request);
    if (!generated.ok()) {
      fmt::print(stderr, "traceassist certs: {}\n", generated.status().message());
      exit_code = kExitUsage;
      return;
    }
    if (auto written = webhook::WriteCertificateFiles(flags->out_dir, generated.value());
        !written.ok()) {
      fmt::print(stderr, "traceassist certs: {}\n", written.message());
      exit_code = kExitInputError;
      return;
    }
    fmt::print(
        stderr, "wrote {0}/ca.crt, {0}/tls.crt, {0}/tls.key (DNS names: {1}); caBundle:\n",
        flags->out_dir,
        fmt::join(webhook::WebhookDnsNames(flags->request.service, flags->request.namespace_),
                  ", "));
    fmt::print("{}\n", webhook::CaBundleBase64(generated.value()));
  });
}

}  // namespace traceassist::cmd
