// The webhook's TLS Secret and caBundle kept in a cluster through the Kubernetes REST API.
#include "traceassist/webhook/kube_certs.h"

#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "traceassist/common/file.h"
#include "traceassist/common/text.h"

namespace traceassist::webhook {
namespace {

template <typename T>
using Result = CertResult<T>;
using Status = CertStatus;
using nlohmann::json;

constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct Reply {
  int status = 0;
  json body;
};

// One API server connection with the bearer token; the certificate is verified against ca_file.
class Api {
 public:
  explicit Api(const KubeConnection& c) : client_(c.server) {
    client_.set_ca_cert_path(c.ca_file);
    client_.enable_server_certificate_verification(true);
    client_.set_bearer_token_auth(c.token);
    client_.set_connection_timeout(10);
    client_.set_read_timeout(30);
    client_.set_write_timeout(30);
  }
  bool valid() const { return client_.is_valid(); }

  // A reply with any status, or an error when no HTTP answer came (connection, TLS).
  Result<Reply> Call(const std::string& method, const std::string& path, const json& body = {},
                     const char* content_type = "application/json") {
    const std::string text = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "GET"    ? client_.Get(path)
                        : method == "POST" ? client_.Post(path, text, content_type)
                        : method == "PUT"  ? client_.Put(path, text, content_type)
                                           : client_.Patch(path, text, content_type);
    if (!r) return Status::Error(method + " " + path + ": " + httplib::to_string(r.error()));
    Reply reply;
    reply.status = r->status;
    reply.body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (!reply.body.is_object()) {
      if (reply.status / 100 == 2)
        return Status::Error(method + " " + path + ": the answer is not a JSON object");
      reply.body = json::object();
    }
    return reply;
  }

 private:
  httplib::Client client_;
};

// "VERB PATH: 403 (forbidden: the API server's message)".
Status Refused(const std::string& what, const Reply& reply) {
  std::string detail = std::to_string(reply.status);
  if (reply.body.value("message", json()).is_string()) {
    detail += " (" + reply.body["message"].get<std::string>() + ")";
  }
  return Status::Error(what + ": " + detail);
}

// An empty file counts as unreadable.
Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::optional<std::string> text = common::ReadFile(path);
  if (!text || text->empty()) return Status::Error(std::string("cannot read ") + what + " " + path);
  return std::move(*text);
}

// The decoded value of a Secret's data key, or "" when absent or not base64.
std::string SecretValue(const json& secret, const char* key) {
  const json& data = secret.value("data", json::object());
  if (!data.is_object() || !data.contains(key) || !data[key].is_string()) return "";
  return common::Base64Decode(data[key].get<std::string>()).value_or("");
}

json SecretObject(const ClusterCertificateRequest& r, const GeneratedCertificates& certs) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", r.secret_name},
            {"namespace", r.certificate.namespace_},
            {"labels", {{"app.kubernetes.io/managed-by", "traceassist-certs"}}}}},
          {"type", "kubernetes.io/tls"},
          {"data",
           {{"tls.crt", common::Base64(certs.cert_pem)},
            {"tls.key", common::Base64(certs.key_pem)},
            {"ca.crt", common::Base64(certs.ca_cert_pem)}}}};
}

// Every webhook of configuration `name` trusts each PEM of `required` (its caBundle holds them);
// those that do not get `bundle` as their caBundle, in one patch guarded by the resourceVersion.
Result<std::string> EnsureTrusted(Api& api, const std::string& name,
                                  const std::vector<std::string>& required,
                                  const std::string& bundle) {
  const std::string path =
      "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/" + name;
  const std::string what = "mutatingwebhookconfiguration " + name;
  auto got = api.Call("GET", path);
  if (!got.ok()) return got.status();
  if (got.value().status == 404) return what + ": not found (not created yet), skipped";
  if (got.value().status != 200) return Refused("GET " + what, got.value());
  const json& config = got.value().body;
  const json webhooks = config.value("webhooks", json::array());
  json ops = json::array();
  for (std::size_t i = 0; i < webhooks.size(); ++i) {
    const json client = webhooks[i].value("clientConfig", json::object());
    const std::string current =
        common::Base64Decode(client.value("caBundle", std::string())).value_or("");
    bool trusted = true;
    for (const std::string& pem : required)
      trusted = trusted && current.find(pem) != std::string::npos;
    if (!trusted) {
      ops.push_back({{"op", "add"},
                     {"path", "/webhooks/" + std::to_string(i) + "/clientConfig/caBundle"},
                     {"value", common::Base64(bundle)}});
    }
  }
  if (ops.empty())
    return what + ": caBundle already trusts the CA (" + std::to_string(webhooks.size()) +
           " webhooks)";
  const std::size_t patched = ops.size();
  ops.insert(
      ops.begin(),
      json{{"op", "test"},
           {"path", "/metadata/resourceVersion"},
           {"value", config.value("metadata", json::object()).value("resourceVersion", "")}});
  auto put = api.Call("PATCH", path, ops, "application/json-patch+json");
  if (!put.ok()) return put.status();
  if (put.value().status != 200)
    return Refused("PATCH " + what + " (run again if it changed meanwhile)", put.value());
  return what + ": caBundle patched (" + std::to_string(patched) + " of " +
         std::to_string(webhooks.size()) + " webhooks)";
}

}  // namespace

Result<KubeConnection> ResolveKubeConnection(std::string server, const std::string& token_file,
                                             std::string ca_file) {
  if (server.empty()) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
      return Status::Error(
          "no API server: KUBERNETES_SERVICE_HOST/PORT are not set (not in a pod); pass "
          "--kube-api");
    }
    const std::string h(host);
    server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  }
  if (server.rfind("https://", 0) != 0)
    return Status::Error("--kube-api must be an https:// URL: '" + server + "'");
  auto token =
      ReadFile(token_file.empty() ? std::string(kServiceAccountDir) + "/token" : token_file,
               "the service-account token");
  if (!token.ok()) return token.status();
  std::string t(common::Trim(token.value()));
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (t.empty()) return Status::Error("the service-account token file is empty");
  if (ca_file.empty()) ca_file = std::string(kServiceAccountDir) + "/ca.crt";
  if (auto ca = ReadFile(ca_file, "the API server's CA"); !ca.ok()) return ca.status();
  return KubeConnection{server, t, ca_file};
}

Result<std::vector<std::string>> ReconcileClusterCertificates(const KubeConnection& connection,
                                                              const ClusterCertificateRequest& r) {
  if (r.renew_within_days < 0 || r.renew_within_days >= r.certificate.days) {
    return Status::Error("the renewal window (" + std::to_string(r.renew_within_days) +
                         " days) must be shorter than the validity (" +
                         std::to_string(r.certificate.days) + " days)");
  }
  Api api(connection);
  if (!api.valid()) return Status::Error("not a valid API server URL: '" + connection.server + "'");
  const std::string secrets = "/api/v1/namespaces/" + r.certificate.namespace_ + "/secrets";
  const std::string what = "secret " + r.certificate.namespace_ + "/" + r.secret_name;
  std::vector<std::string> report;

  auto existing = api.Call("GET", secrets + "/" + r.secret_name);
  if (!existing.ok()) return existing.status();
  if (existing.value().status == 404) {
    auto certs = GenerateWebhookCertificates(r.certificate);
    if (!certs.ok()) return certs.status();
    auto created = api.Call("POST", secrets, SecretObject(r, certs.value()));
    if (!created.ok()) return created.status();
    if (created.value().status == 409) {  // created meanwhile (another run): use that one
      existing = api.Call("GET", secrets + "/" + r.secret_name);
      if (!existing.ok()) return existing.status();
    } else if (created.value().status != 201) {
      return Refused("POST " + what, created.value());
    } else {
      existing = Reply{200, created.value().body};
      report.push_back(what + ": created");
    }
  }
  if (existing.value().status != 200) return Refused("GET " + what, existing.value());

  const json& secret = existing.value().body;
  const std::string ca = SecretValue(secret, "ca.crt");
  const std::string leaf = SecretValue(secret, "tls.crt");
  if (ca.empty() || leaf.empty()) {
    return Status::Error(
        what + " exists without ca.crt and tls.crt: not replaced (delete it or name another)");
  }
  auto left = SecondsUntilExpiry(leaf);
  if (!left.ok()) return Status::Error(what + ": tls.crt: " + left.status().message());
  std::string trusted_ca = ca;
  if (left.value() < static_cast<long long>(r.renew_within_days) * 86400) {
    // Renewal: first every configuration trusts the old and the new CA, then the Secret changes.
    auto certs = GenerateWebhookCertificates(r.certificate);
    if (!certs.ok()) return certs.status();
    const std::string both = ca + certs.value().ca_cert_pem;
    for (const std::string& name : r.webhook_configurations) {
      auto done = EnsureTrusted(api, name, {ca, certs.value().ca_cert_pem}, both);
      if (!done.ok())
        return Status::Error(done.status().message() + "; the Secret was not renewed");
      report.push_back(done.value());
    }
    json renewed = SecretObject(r, certs.value());
    renewed["metadata"]["resourceVersion"] =
        secret.value("metadata", json::object()).value("resourceVersion", "");
    auto put = api.Call("PUT", secrets + "/" + r.secret_name, renewed);
    if (!put.ok()) return put.status();
    if (put.value().status != 200) return Refused("PUT " + what, put.value());
    report.push_back(what + ": renewed (the certificate expired in " +
                     std::to_string(left.value() / 86400) +
                     " days; new CA added to the caBundle first)");
    return report;
  }
  if (report.empty()) {
    report.push_back(what + ": exists, kept (expires in " + std::to_string(left.value() / 86400) +
                     " days)");
  }
  for (const std::string& name : r.webhook_configurations) {
    auto done = EnsureTrusted(api, name, {trusted_ca}, trusted_ca);
    if (!done.ok()) return done.status();
    report.push_back(done.value());
  }
  return report;
}

}  // namespace traceassist::webhook
