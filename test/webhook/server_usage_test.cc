// In-process tests of webhook::Server with a fake analytics sink: exactly one usage event per
// POST /workflow/instrument with the right fields, /ready and /metrics with the sink's state, and
// start/stop races.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "server_process.h"
#include "traceassist/analytics/usage_sink.h"
#include "traceassist/webhook/server.h"

namespace {

using traceassist::analytics::SinkState;
using traceassist::analytics::UsageEvent;
using traceassist::webhook::Server;
using traceassist::webhook::ServerConfig;

class FakeSink : public traceassist::analytics::UsageSink {
 public:
  void Record(const UsageEvent& event) noexcept override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
  }
  SinkState State() const noexcept override { return state.load(); }
  void AppendMetrics(std::string& out) const override {
    out +=
        "# HELP fake_sink_events_total Events recorded.\n# TYPE fake_sink_events_total counter\n";
    out += "fake_sink_events_total " + std::to_string(Events().size()) + "\n";
  }
  std::size_t Shutdown(std::chrono::milliseconds) noexcept override { return 0; }

  std::vector<UsageEvent> Events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::atomic<SinkState> state{SinkState::kOk};

 private:
  mutable std::mutex mu_;
  std::vector<UsageEvent> events_;
};

ServerConfig TestConfig() {
  ServerConfig config;
  config.bind = "127.0.0.1";
  config.port = 0;
  config.max_body_bytes = 4096;
  config.threads = 2;
  config.drain_timeout_s = 5;
  config.keepalive_timeout_s = 1;  // idle keep-alive connections hold a drain this long at most
  return config;
}

const std::string kManifest =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  template:\n"
    "    metadata:\n      labels: {app: cart}\n    spec:\n      containers:\n"
    "        - name: app\n          image: eclipse-temurin:21-jre\n";

// A keep-alive client: one connection, so each request's logger (which records the event) has run
// before the next request on it is read.
httplib::Client KeepAliveClient(const Server& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  return client;
}

}  // namespace

TEST_CASE("exactly one usage event per POST /workflow/instrument, with its fields", "[usage]") {
  FakeSink sink;
  ServerConfig config = TestConfig();
  config.api_tokens = {"token-aaaaaaaaaaaaaaaa"};
  Server server(config, &sink);
  server.Start();
  auto client = KeepAliveClient(server);
  const httplib::Headers auth = {{"Authorization", "Bearer token-aaaaaaaaaaaaaaaa"}};

  const std::string body = nlohmann::json{
      {"manifest_content", kManifest},
      {"deployment_name", "cart"},
      {"client_repo",
       "acme/shop"}}.dump();
  auto ok = client.Post("/workflow/instrument", auth, body, "application/json");
  REQUIRE(ok);
  REQUIRE(ok->status == 200);
  REQUIRE(client.Post("/workflow/instrument", auth, "{oops", "application/json")->status == 400);
  REQUIRE(client.Post("/workflow/instrument", body, "application/json")->status == 401);
  REQUIRE(client.Post("/workflow/instrument", auth, body, "text/plain")->status == 415);
  REQUIRE(client.Post("/workflow/instrument", auth, std::string(5000, ' '), "application/json")
              ->status == 413);
  // Not API calls: no events.
  REQUIRE(client.Get("/workflow/instrument")->status == 405);
  REQUIRE(client.Get("/health")->status == 200);
  REQUIRE(client.Get("/metrics")->status == 200);

  // The 413 closes its connection (its body is unread), so its event is recorded on that
  // connection's thread, maybe after the GETs on the next connection: wait for it.
  for (int i = 0; i < 200 && sink.Events().size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto events = sink.Events();
  REQUIRE(events.size() == 5);
  const UsageEvent& first = events[0];
  CHECK(first.source == "api");
  CHECK(first.outcome == "ok");
  CHECK(first.deployment_name == "cart");
  CHECK(first.client_repo == "acme/shop");
  CHECK(first.manifest_bytes == body.size());
  CHECK(first.objects_seen == 1);
  CHECK(first.objects_instrumented == 1);
  CHECK(first.changes_made);
  CHECK(first.languages == std::vector<std::string>{"java"});
  CHECK(first.processing_time.count() > 0);
  CHECK(std::chrono::system_clock::now() - first.time < std::chrono::minutes(1));
  CHECK(events[1].outcome == "input_error");
  CHECK(events[1].objects_seen == 0);
  CHECK_FALSE(events[1].changes_made);
  CHECK(events[2].outcome == "unauthorized");
  CHECK(events[2].deployment_name.empty());  // the body of an unauthorised call is never read
  CHECK(events[3].outcome == "unsupported_media_type");
  CHECK(events[4].outcome == "too_large");
  for (const auto& event : events) CHECK(event.source == "api");
  CHECK(server.Drain());
}

TEST_CASE("/ready names the analytics state; degraded blocks only when required", "[usage]") {
  FakeSink sink;
  sink.state = SinkState::kDegraded;
  {
    Server server(TestConfig(), &sink);
    server.Start();
    auto client = KeepAliveClient(server);
    auto ready = client.Get("/ready");
    REQUIRE(ready);
    CHECK(ready->status == 200);
    const auto answer = nlohmann::json::parse(ready->body);
    CHECK(answer["components"]["analytics"] == "degraded");
    CHECK(answer["components"]["server"] == "ok");
    auto metrics = client.Get("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("fake_sink_events_total 0") != std::string::npos);
  }
  ServerConfig required = TestConfig();
  required.analytics_required = true;
  Server server(required, &sink);
  server.Start();
  auto client = KeepAliveClient(server);
  CHECK(client.Get("/ready")->status == 503);
  sink.state = SinkState::kOk;
  CHECK(client.Get("/ready")->status == 200);

  Server without_sink(TestConfig(), nullptr);
  without_sink.Start();
  auto plain = KeepAliveClient(without_sink);
  auto ready = plain.Get("/ready");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(nlohmann::json::parse(ready->body)["components"]["analytics"] == "off");
}

TEST_CASE("a server drained right after it started always stops", "[usage]") {
  // httplib's stop() is ignored before the listener runs (library-facts §2.7).
  for (int i = 0; i < 30; ++i) {
    Server server(TestConfig(), nullptr);
    server.Start();
    CHECK(server.Drain());
  }
}

TEST_CASE("a client that leaves mid-request still yields exactly one event", "[usage]") {
  FakeSink sink;
  Server server(TestConfig(), &sink);
  server.Start();
  // One request first, so that cpp-httplib's function-local statics are set up before two worker
  // threads run at once: the library is not built with ThreadSanitizer, which then cannot see the
  // guard that orders their first use, and reports a race inside the library (seen in 2 runs of
  // 12).
  auto client = KeepAliveClient(server);
  REQUIRE(client.Get("/metrics"));
  {
    // Declares 1,000 bytes, sends a few, then goes away: the body read fails.
    traceassist::test::RawConnection leaving(server.port());
    REQUIRE(leaving.ok());
    leaving.Send(
        "POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n{\"manifest_content\":");
  }
  bool settled = false;
  for (int i = 0; i < 300 && !settled; ++i) {
    auto metrics = client.Get("/metrics");
    REQUIRE(metrics);
    settled = sink.Events().size() == 1 &&
              metrics->body.find("traceassist_http_requests_in_flight 1\n") != std::string::npos;
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(settled);
  const auto events = sink.Events();
  REQUIRE(events.size() == 1);
  CHECK((events[0].outcome == "input_error" || events[0].outcome == "client_closed"));
}

TEST_CASE("a handler exception answers 500 JSON with the request id; the server keeps serving",
          "[usage]") {
  // /metrics asks the sink for its lines: this one throws, as a broken component would.
  class ThrowingSink : public FakeSink {
   public:
    void AppendMetrics(std::string& out) const override {
      if (!thrown.exchange(true)) throw std::runtime_error("secret detail");
      FakeSink::AppendMetrics(out);
    }
    mutable std::atomic<bool> thrown{false};
  } sink;
  Server server(TestConfig(), &sink);
  server.Start();
  auto client = KeepAliveClient(server);
  auto broken = client.Get("/metrics", {{"X-Request-Id", "boom-1"}});
  REQUIRE(broken);
  CHECK(broken->status == 500);
  CHECK(broken->get_header_value("Content-Type") == "application/json");
  CHECK(broken->get_header_value("X-Request-Id") == "boom-1");
  CHECK_FALSE(broken->has_header("EXCEPTION_WHAT"));
  CHECK(broken->body.find("secret") == std::string::npos);
  const auto answer = nlohmann::json::parse(broken->body);
  CHECK(answer["code"] == "internal_error");
  CHECK(answer["request_id"] == "boom-1");
  for (int i = 0; i < 3; ++i) {
    auto health = client.Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
  }
  auto metrics = client.Get("/metrics");  // counted
  REQUIRE(metrics);
  CHECK(metrics->body.find(R"(traceassist_http_requests_total{route="metrics",code="500"} 1)") !=
        std::string::npos);
  CHECK(server.Drain());
}
