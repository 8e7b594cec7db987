// The service's own telemetry (issue 17): W3C traceparent into the request log and X-Request-Id,
// the standard process_* metrics, the last-admission-review and certificate-expiry gauges, and the
// plain-HTTP listener on its own address (TRACEASSIST_HTTP_BIND).
#include <httplib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "process_metrics.h"
#include "server_process.h"
#include "trace_context.h"
#include "traceassist/webhook/cert_gen.h"
#include "traceassist/webhook/server.h"

namespace {

using nlohmann::json;
namespace webhook = traceassist::webhook;

constexpr const char* kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kSpanId = "00f067aa0ba902b7";

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The value of the unlabelled sample `name` in an exposition; -1 when absent.
double Sample(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// The JSON log lines of `output` whose msg is "request".
std::vector<json> RequestLines(const std::string& output) {
  std::vector<json> found;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    const json parsed = json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("msg", "") == "request") found.push_back(parsed);
  }
  return found;
}

}  // namespace

TEST_CASE("traceparent: the W3C examples are accepted, anything malformed is ignored", "[trace]") {
  const auto parsed =
      webhook::ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(parsed);
  CHECK(parsed->trace_id == kTraceId);
  CHECK(parsed->span_id == kSpanId);
  CHECK(parsed->sampled);
  CHECK_FALSE(webhook::ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                  ->sampled);
  // A later version may append fields after a '-'.
  CHECK(webhook::ParseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"));
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 with more
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // no '-' after flags
           " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // leading blank
       }) {
    INFO(bad);
    CHECK_FALSE(webhook::ParseTraceparent(bad));
  }
}

TEST_CASE("process metrics: /proc/<pid>/stat, /proc/stat and limits are parsed", "[process]") {
  // A command name with spaces and a parenthesis; utime 250, stime 50 ticks; starttime 1000 ticks
  // after boot; vsize 123456789; rss 2000 pages.
  const std::string stat =
      "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 "
      "123456789 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto stats = webhook::ParseProcStat(stat, 1.7e9, 100, 4096);
  REQUIRE(stats);
  CHECK(stats->cpu_seconds == Approx(3.0));
  CHECK(stats->start_time_seconds == Approx(1.7e9 + 10));
  CHECK(stats->virtual_bytes == 123456789);
  CHECK(stats->resident_bytes == 2000.0 * 4096);
  CHECK_FALSE(webhook::ParseProcStat("4242 (x) S 1 2 3", 0, 100, 4096));
  CHECK_FALSE(webhook::ParseProcStat("no parenthesis at all", 0, 100, 4096));
  CHECK_FALSE(webhook::ParseProcStat(stat, 0, 0, 4096));

  CHECK(webhook::ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1765000000\nprocesses 9\n") ==
        1765000000.0);
  CHECK_FALSE(webhook::ParseBootTime("cpu  1 2 3\n"));
  const std::string limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max processes             63590                63590                processes \n"
      "Max open files            1024                 524288               files     \n";
  CHECK(webhook::ParseMaxOpenFiles(limits) == 1024.0);
  CHECK_FALSE(webhook::ParseMaxOpenFiles("Max open files  unlimited unlimited files\n"));
}

TEST_CASE("a valid traceparent becomes X-Request-Id and the log line's trace and span ids",
          "[serve][trace]") {
  traceassist::test::ServerProcess server;
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);  // one connection: each request is logged before the next is read
  const std::string traceparent = std::string("00-") + kTraceId + "-" + kSpanId + "-01";
  auto traced = client.Get("/health", {{"traceparent", traceparent}, {"X-Request-Id", "mine"}});
  REQUIRE(traced);
  CHECK(traced->get_header_value("X-Request-Id") == kTraceId);
  // Malformed (uppercase hex): ignored; the client's X-Request-Id, else a new id.
  const std::string upper =
      std::string("00-") + "4BF92F3577B34DA6A3CE929D0E0E4736-" + kSpanId + "-01";
  auto own = client.Get("/health", {{"traceparent", upper}, {"X-Request-Id", "mine"}});
  REQUIRE(own);
  CHECK(own->get_header_value("X-Request-Id") == "mine");
  auto fresh = client.Get("/health", {{"traceparent", upper}});
  REQUIRE(fresh);
  CHECK(fresh->get_header_value("X-Request-Id").size() == 16);
  // Two traceparent headers are ambiguous: ignored.
  auto twice = client.Get("/health", {{"traceparent", traceparent}, {"traceparent", traceparent}});
  REQUIRE(twice);
  CHECK(twice->get_header_value("X-Request-Id") != kTraceId);
  client.Get("/ready");  // logged after the last /health

  std::vector<json> lines;
  for (int i = 0; i < 500 && lines.size() < 5; ++i) {  // request lines are flushed every second
    lines = RequestLines(server.Output());
    if (lines.size() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(lines.size() >= 5);
  CHECK(lines[0]["request_id"] == kTraceId);
  CHECK(lines[0]["trace_id"] == kTraceId);
  CHECK(lines[0]["span_id"] == kSpanId);
  for (int i = 1; i < 4; ++i) {
    INFO(lines[i].dump());
    CHECK_FALSE(lines[i].contains("trace_id"));
    CHECK_FALSE(lines[i].contains("span_id"));
  }
  CHECK(lines[1]["request_id"] == "mine");
}

TEST_CASE("/metrics has the standard process_* metrics of this process", "[serve][process]") {
  traceassist::test::ServerProcess server;
  httplib::Client client("127.0.0.1", server.port());
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  const std::string& text = metrics->body;
  for (const char* family : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                             "process_virtual_memory_bytes", "process_start_time_seconds",
                             "process_open_fds", "process_max_fds"}) {
    INFO(family);
    CHECK(Sample(text, family) >= 0);
  }
  CHECK(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  const double now = NowSeconds();
  CHECK(Sample(text, "process_start_time_seconds") > now - 120);
  CHECK(Sample(text, "process_start_time_seconds") <= now + 2);
  CHECK(Sample(text, "process_resident_memory_bytes") > 1 << 20);
  CHECK(Sample(text, "process_virtual_memory_bytes") >=
        Sample(text, "process_resident_memory_bytes"));
  CHECK(Sample(text, "process_open_fds") >= 3);
  CHECK(Sample(text, "process_max_fds") > Sample(text, "process_open_fds"));
}

TEST_CASE("TLS: the certificate's notAfter and the last review's time are gauges; HTTP binds apart",
          "[tls]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("traceassist-telemetry-" + std::to_string(::getpid()));
  webhook::CertificateRequest request{"traceassist", "observability"};
  request.days = 30;
  auto certs = webhook::GenerateWebhookCertificates(request);
  REQUIRE(certs.ok());
  REQUIRE(webhook::WriteCertificateFiles(dir.string(), certs.value()).ok());
  webhook::ServerConfig config;
  config.bind = "127.0.0.2";       // the TLS listener (a node's address under hostNetwork)
  config.http_bind = "127.0.0.1";  // plain HTTP apart
  config.port = 0;
  config.tls_port = 0;
  config.tls_cert = (dir / "tls.crt").string();
  config.tls_key = (dir / "tls.key").string();
  config.drain_timeout_s = 5;
  webhook::Server server(config, nullptr);
  server.Start();

  httplib::SSLClient tls("127.0.0.2", server.tls_port());
  tls.enable_server_certificate_verification(false);
  auto before = tls.Get("/metrics");
  REQUIRE(before);
  const double not_after =
      Sample(before->body, "traceassist_tls_certificate_expiry_timestamp_seconds");
  CHECK(not_after == Approx(NowSeconds() + 30 * 86400.0).margin(2 * 86400.0));
  CHECK(Sample(before->body, "traceassist_admission_last_review_timestamp_seconds") == 0);

  const std::string review =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1",)"
      R"("kind":{"group":"","version":"v1","kind":"ConfigMap"},"operation":"CREATE",)"
      R"("object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}}})";
  const double sent = NowSeconds();
  auto answer = tls.Post("/mutate", review, "application/json");
  REQUIRE(answer);
  CHECK(answer->status == 200);
  auto after = tls.Get("/metrics");
  REQUIRE(after);
  const double last = Sample(after->body, "traceassist_admission_last_review_timestamp_seconds");
  CHECK(last >= sent - 1);
  CHECK(last <= NowSeconds() + 1);

  // Plain HTTP answers on its own address only.
  httplib::Client on_http_bind("127.0.0.1", server.port());
  auto health = on_http_bind.Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  httplib::Client on_tls_bind("127.0.0.2", server.port());
  on_tls_bind.set_connection_timeout(std::chrono::seconds(2));
  CHECK_FALSE(on_tls_bind.Get("/health"));
  CHECK(server.Drain());
  std::filesystem::remove_all(dir);
}
