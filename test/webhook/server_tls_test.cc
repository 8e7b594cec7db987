// In-process tests of the HTTPS listener: the same routes plus /mutate (HTTPS only, routed on the
// path whatever the query), TLS 1.2 minimum, many requests on one keep-alive connection, admission
// metrics (skips by reason), TRACEASSIST_WEBHOOK_TARGET, and usage events for /mutate except dry
// runs.
#include <httplib.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "server_process.h"
#include "traceassist/analytics/usage_sink.h"
#include "traceassist/webhook/cert_gen.h"
#include "traceassist/webhook/server.h"

namespace {

using nlohmann::json;
using traceassist::analytics::SinkState;
using traceassist::analytics::UsageEvent;
namespace webhook = traceassist::webhook;

class RecordingSink : public traceassist::analytics::UsageSink {
 public:
  void Record(const UsageEvent& event) noexcept override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
  }
  SinkState State() const noexcept override { return SinkState::kOk; }
  void AppendMetrics(std::string&) const override {}
  std::size_t Shutdown(std::chrono::milliseconds) noexcept override { return 0; }
  std::vector<UsageEvent> Events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<UsageEvent> events_;
};

// A CA and server certificate in a fresh directory, removed at the end of the test.
struct TlsFiles {
  std::filesystem::path dir;
  TlsFiles() {
    dir = std::filesystem::temp_directory_path() /
          ("traceassist-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    auto certs = webhook::GenerateWebhookCertificates({"traceassist", "observability"});
    REQUIRE(certs.ok());
    REQUIRE(webhook::WriteCertificateFiles(dir.string(), certs.value()).ok());
  }
  ~TlsFiles() { std::filesystem::remove_all(dir); }
  static inline int counter = 0;
};

std::string Review(const std::string& uid, bool dry_run) {
  json deployment = json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "cart", "namespace": "shop"},
    "spec": {"template": {"metadata": {"labels": {"app": "cart"}},
      "spec": {"containers": [{"name": "app", "image": "eclipse-temurin:21-jre"}]}}}})");
  json request = {{"uid", uid},
                  {"kind", {{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}},
                  {"resource", {{"group", "apps"}, {"version", "v1"}, {"resource", "deployments"}}},
                  {"namespace", "shop"},
                  {"operation", "CREATE"},
                  {"object", deployment},
                  {"dryRun", dry_run}};
  return json{
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}}
      .dump();
}

}  // namespace

TEST_CASE("the HTTPS listener serves the routes and /mutate; plain HTTP never /mutate", "[tls]") {
  TlsFiles files;
  RecordingSink sink;
  webhook::ServerConfig config;
  config.bind = "127.0.0.1";
  config.port = 0;
  config.tls_port = 0;
  config.tls_cert = (files.dir / "tls.crt").string();
  config.tls_key = (files.dir / "tls.key").string();
  config.keepalive_timeout_s = 1;
  config.drain_timeout_s = 5;
  webhook::Server server(config, &sink);
  server.Start();
  REQUIRE(server.tls_port() > 0);

  httplib::SSLClient tls("localhost", server.tls_port());  // a DNS SAN of the certificate
  tls.set_ca_cert_path((files.dir / "ca.crt").string().c_str());
  tls.enable_server_certificate_verification(true);
  tls.set_keep_alive(true);
  for (const char* probe : {"/health", "/ready", "/metrics"}) {
    auto answer = tls.Get(probe);
    REQUIRE(answer);
    CHECK(answer->status == 200);
  }

  // The API server appends ?timeout=10s: routing is on the path only.
  auto patched = tls.Post("/mutate?timeout=10s", Review("uid-1", false), "application/json");
  REQUIRE(patched);
  REQUIRE(patched->status == 200);
  const json answer = json::parse(patched->body);
  CHECK(answer["response"]["uid"] == "uid-1");
  CHECK(answer["response"]["allowed"] == true);
  CHECK(answer["response"]["patchType"] == "JSONPatch");
  auto dry = tls.Post("/mutate?timeout=10s", Review("uid-2", true), "application/json");
  REQUIRE(dry);
  CHECK(dry->status == 200);
  auto undecodable = tls.Post("/mutate", "not json", "application/json");
  REQUIRE(undecodable);
  CHECK(undecodable->status == 400);
  auto get_mutate = tls.Get("/mutate");
  REQUIRE(get_mutate);
  CHECK(get_mutate->status == 405);

  // The per-connection request limit is raised: a thousand reviews on one TLS connection, one
  // handshake (cpp-httplib would close after 5 by default).
  for (int i = 0; i < 1000; ++i) {
    auto again = tls.Post("/mutate?timeout=10s", Review("loop", true), "application/json");
    REQUIRE(again);
    REQUIRE(again->status == 200);
    REQUIRE(again->get_header_value("Connection") != "close");
  }

  auto metrics = tls.Get("/metrics");
  REQUIRE(metrics);
  const std::string& text = metrics->body;
  CHECK(
      text.find(
          R"(traceassist_admission_reviews_total{kind="Deployment",operation="CREATE",outcome="patched"} 1002)") !=
      std::string::npos);
  CHECK(text.find(R"(traceassist_admission_duration_seconds_bucket{le="0.001"})") !=
        std::string::npos);
  CHECK(text.find(R"(traceassist_http_requests_total{route="/mutate",code="200"} 1002)") !=
        std::string::npos);

  // Analytics: the first review only (dry runs record nothing), plus the undecodable one.
  auto events = sink.Events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].source == "webhook");
  CHECK(events[0].outcome == "ok");
  CHECK(events[0].changes_made);
  CHECK(events[0].objects_instrumented == 1);
  CHECK(events[0].languages == std::vector<std::string>{"java"});
  CHECK(events[1].outcome == "input_error");

  // Plain HTTP: the same probes, never /mutate.
  httplib::Client plain("127.0.0.1", server.port());
  auto plain_health = plain.Get("/health");
  REQUIRE(plain_health);
  CHECK(plain_health->status == 200);
  auto plain_mutate = plain.Post("/mutate?timeout=10s", Review("uid-3", false), "application/json");
  REQUIRE(plain_mutate);
  CHECK(plain_mutate->status == 404);
  CHECK(server.Drain());
}

TEST_CASE("owned objects are counted as owned_by_controller; the pods target patches them",
          "[tls]") {
  // A Pod a ReplicaSet made, as the API server sends it.
  json pod = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"generateName": "cart-7d9f8c-", "ownerReferences": [{"apiVersion": "apps/v1",
      "kind": "ReplicaSet", "name": "cart-7d9f8c", "uid": "u1", "controller": true}]},
    "spec": {"containers": [{"name": "app", "image": "eclipse-temurin:21-jre"}]}})");
  json request = {{"uid", "uid-pod"},
                  {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                  {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                  {"namespace", "shop"},
                  {"operation", "CREATE"},
                  {"object", pod}};
  const std::string review = json{
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request", request}}.dump();
  TlsFiles files;
  for (const bool pods_target : {false, true}) {
    INFO("pods target: " << pods_target);
    webhook::Settings settings = {{"TRACEASSIST_BIND", "127.0.0.1"},
                                  {"TRACEASSIST_PORT", "0"},
                                  {"TRACEASSIST_TLS_PORT", "0"},
                                  {"TRACEASSIST_TLS_CERT", (files.dir / "tls.crt").string()},
                                  {"TRACEASSIST_TLS_KEY", (files.dir / "tls.key").string()}};
    if (pods_target) settings.emplace("TRACEASSIST_WEBHOOK_TARGET", "pods");
    webhook::Server server(webhook::ParseServerConfig(settings), nullptr);
    server.Start();
    httplib::SSLClient tls("127.0.0.1", server.tls_port());
    tls.enable_server_certificate_verification(false);
    for (int i = 0; i < 2; ++i) {
      auto answer = tls.Post("/mutate?timeout=10s", review, "application/json");
      REQUIRE(answer);
      REQUIRE(answer->status == 200);
      const json response = json::parse(answer->body)["response"];
      CHECK(response["allowed"] == true);
      CHECK(response.contains("patch") == pods_target);
      CHECK_FALSE(response.contains("warnings"));
    }
    auto metrics = tls.Get("/metrics");
    REQUIRE(metrics);
    const std::string skipped =
        R"(traceassist_admission_skipped_total{kind="Pod",reason="owned_by_controller"} 2)";
    CHECK((metrics->body.find(skipped) != std::string::npos) == !pods_target);
    const std::string outcome = pods_target ? "patched" : "skipped";
    CHECK(metrics->body.find(
              R"(traceassist_admission_reviews_total{kind="Pod",operation="CREATE",outcome=")" +
              outcome + "\"} 2") != std::string::npos);
    CHECK(server.Drain());
  }
}

TEST_CASE("the HTTPS listener refuses TLS 1.1 and accepts TLS 1.2", "[tls]") {
  TlsFiles files;
  webhook::ServerConfig config;
  config.bind = "127.0.0.1";
  config.port = 0;
  config.tls_port = 0;
  config.tls_cert = (files.dir / "tls.crt").string();
  config.tls_key = (files.dir / "tls.key").string();
  webhook::Server server(config, nullptr);
  server.Start();

  auto handshake = [&](int max_version) {
    httplib::SSLClient client("127.0.0.1", server.tls_port());
    client.enable_server_certificate_verification(false);
    SSL_CTX* ctx = client.ssl_context();
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL_CTX_set_security_level(ctx, 0);  // let the client offer TLS 1.1 at all
    auto answer = client.Get("/health");
    return answer && answer->status == 200;
  };
  CHECK_FALSE(handshake(TLS1_1_VERSION));
  CHECK(handshake(TLS1_2_VERSION));
  CHECK(handshake(TLS1_3_VERSION));

  // Connections that never send a ClientHello hold a thread each, not the listener
  // (library-facts §2.6: with httplib's pool of 8, eight of them delayed HTTPS by 4.7 s).
  std::vector<traceassist::test::RawConnection> silent;
  for (int i = 0; i < 64; ++i) silent.emplace_back(server.tls_port());
  const auto start = std::chrono::steady_clock::now();
  CHECK(handshake(TLS1_3_VERSION));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1) * kSanitizerSlowdown);
}

TEST_CASE("a certificate without its key is a start-up error, not a plain-HTTP fallback", "[tls]") {
  TlsFiles files;
  webhook::Settings settings = {{"TRACEASSIST_TLS_CERT", (files.dir / "tls.crt").string()}};
  CHECK_THROWS_AS(webhook::ParseServerConfig(settings), webhook::ConfigError);
  webhook::ServerConfig config;
  config.bind = "127.0.0.1";
  config.port = 0;
  config.tls_port = 0;
  config.tls_cert = (files.dir / "tls.crt").string();
  config.tls_key = (files.dir / "ca.crt").string();  // not a key
  webhook::Server server(config, nullptr);
  CHECK_THROWS_WITH(server.Start(), Catch::Contains("TRACEASSIST_TLS_KEY"));
}
