// End-to-end tests of `traceassist serve`: the real binary on an ephemeral port, driven over TCP.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server_process.h"

namespace {

using nlohmann::json;
using traceassist::test::RawConnection;
using traceassist::test::RunBinary;
using traceassist::test::ServerProcess;
using traceassist::test::StatusOf;
using namespace std::chrono_literals;
using Env = std::map<std::string, std::string>;

const std::string kManifest =
    "# the user's comment stays\r\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: cart   # trailing comment\n"
    "spec:\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {app: cart}\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: app\n"
    "          image: eclipse-temurin:21-jre\n"
    "          env: [{name: NOTE, value: \"tab\\t quote\\\" dollar $HOME ünï\"}]";

std::string InstrumentBody(const std::string& manifest, json extra = json::object()) {
  json body = {{"manifest_content", manifest}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return body.dump();
}

httplib::Client ClientFor(const ServerProcess& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10, 0);
  return client;
}

// Posts `body` as JSON; the response (REQUIREd to exist).
httplib::Result Post(httplib::Client& client, const std::string& body,
                     const httplib::Headers& headers = {}) {
  auto result = client.Post("/workflow/instrument", headers, body, "application/json");
  REQUIRE(result);
  return result;
}

std::string Hex(std::size_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%zx", n);
  return buffer;
}

std::string ErrorCode(const httplib::Result& result) {
  const json body = json::parse(result->body, nullptr, false);
  REQUIRE(body.is_object());
  REQUIRE(body.contains("message"));
  return body.value("code", "");
}

}  // namespace

TEST_CASE("the legacy contract: modified_manifest_content and changes_made", "[serve]") {
  ServerProcess server;
  auto client = ClientFor(server);
  const auto first = Post(client,
                          InstrumentBody(kManifest, {{"deployment_name", "renamed-app"},
                                                     {"client_repo", "owner/repo"}}),
                          {{"X-Request-Id", "ci-run-42"}});
  REQUIRE(first->status == 200);
  CHECK(first->get_header_value("X-Request-Id") == "ci-run-42");
  CHECK(first->get_header_value("Content-Type") == "application/json");
  const json answer = json::parse(first->body);
  REQUIRE(answer["modified_manifest_content"].is_string());
  REQUIRE(answer["changes_made"].is_boolean());
  CHECK(answer["changes_made"] == true);
  CHECK(answer["objects"].is_array());
  CHECK(answer["warnings"].is_array());
  // 1-based lines in the manifest as sent, for annotations on a pull request's diff.
  CHECK(answer["objects"][0]["line"] == 5);
  CHECK(answer["objects"][0]["containers"][0]["line"] == 12);
  CHECK_FALSE(answer.contains("diff"));
  const std::string modified = answer["modified_manifest_content"];
  CHECK(modified.find("instrumentation.opentelemetry.io/inject-java") != std::string::npos);
  // Every byte the user wrote is still there; deployment_name never renames anything.
  CHECK(modified.find("# the user's comment stays\r\n") == 0);
  CHECK(modified.find("name: cart   # trailing comment") != std::string::npos);
  CHECK(modified.find("renamed-app") == std::string::npos);

  // Sending the answer back changes nothing, byte for byte.
  const auto second = Post(client, InstrumentBody(modified));
  REQUIRE(second->status == 200);
  const json again = json::parse(second->body);
  CHECK(again["changes_made"] == false);
  CHECK(again["modified_manifest_content"] == modified);
  CHECK_FALSE(second->get_header_value("X-Request-Id").empty());

  // The optional diff is a unified diff of exactly the added lines.
  const auto with_diff = Post(client, InstrumentBody(kManifest, {{"options", {{"diff", true}}}}));
  REQUIRE(with_diff->status == 200);
  const std::string diff = json::parse(with_diff->body)["diff"];
  CHECK(diff.rfind("--- a/manifest\n+++ b/manifest\n@@ ", 0) == 0);
  CHECK(diff.find("+        instrumentation.opentelemetry.io/inject-java") != std::string::npos);
  CHECK(diff.find("\n-") == std::string::npos);

  // options.init_containers reaches the library.
  const std::string pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n"
      "    - {name: migrate, image: 'eclipse-temurin:21-jre'}\n"
      "  containers:\n    - {name: app, image: 'eclipse-temurin:21-jre'}\n";
  for (const bool on : {false, true}) {
    const auto r = Post(client, InstrumentBody(pod, {{"options", {{"init_containers", on}}}}));
    REQUIRE(r->status == 200);
    const json init = json::parse(r->body)["objects"][0]["containers"][1];
    CHECK(init["role"] == "initContainer");
    CHECK(init["instrumented"] == on);
  }
}

TEST_CASE("every error is JSON with a stable code and never echoes the manifest", "[serve]") {
  ServerProcess server(Env{{"TRACEASSIST_MAX_BODY_BYTES", "65536"}});
  auto client = ClientFor(server);
  const std::string secret = "s3cr3t-manifest-marker";

  CHECK(ErrorCode(Post(client, "{not json " + secret)) == "invalid_json");
  CHECK(ErrorCode(Post(client, "[1,2]")) == "invalid_json");
  CHECK(ErrorCode(Post(client, R"({"deployment_name":"x"})")) == "missing_manifest_content");
  CHECK(ErrorCode(Post(client, R"({"manifest_content":42})")) == "invalid_manifest_content");
  CHECK(ErrorCode(Post(client, R"({"manifest_content":"a: 1","client_repo":7})")) ==
        "invalid_field");
  CHECK(ErrorCode(Post(client, InstrumentBody("a: 1", {{"options", {{"language", "cobol"}}}}))) ==
        "invalid_options");
  CHECK(ErrorCode(Post(client, InstrumentBody("a: 1", {{"options", {{"langauge", "java"}}}}))) ==
        "invalid_options");
  CHECK(ErrorCode(
            Post(client, InstrumentBody("a: 1", {{"options", {{"init_containers", "yes"}}}}))) ==
        "invalid_options");

  const auto bad_yaml = Post(
      client, InstrumentBody("kind: Service\n---\nkind: Deployment\nmetadata: {name: " + secret +
                             "\n  - [\n"));
  CHECK(bad_yaml->status == 400);
  const json yaml_error = json::parse(bad_yaml->body);
  CHECK(yaml_error["code"] == "invalid_yaml");
  CHECK(yaml_error["document"].get<int>() >= 1);
  CHECK(yaml_error["line"].get<int>() >= 1);
  CHECK(yaml_error.contains("column"));
  CHECK(bad_yaml->body.find(secret) == std::string::npos);

  // 415: curl --data sends form encoding by default; a missing type is refused too.
  auto form = client.Post("/workflow/instrument", InstrumentBody("a: 1"),
                          "application/x-www-form-urlencoded");
  REQUIRE(form);
  CHECK(form->status == 415);
  CHECK(ErrorCode(form) == "unsupported_media_type");
  auto json_charset = client.Post("/workflow/instrument", InstrumentBody("a: 1"),
                                  "Application/JSON; charset=utf-8");
  REQUIRE(json_charset);
  CHECK(json_charset->status == 200);

  // 404 and 405, with Allow.
  auto missing = client.Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(ErrorCode(missing) == "not_found");
  auto get_api = client.Get("/workflow/instrument");
  REQUIRE(get_api);
  CHECK(get_api->status == 405);
  CHECK(get_api->get_header_value("Allow") == "POST");
  auto post_health = client.Post("/health", "{}", "application/json");
  REQUIRE(post_health);
  CHECK(post_health->status == 405);
  // /mutate is never served over plain HTTP.
  auto mutate = client.Post("/mutate", "{}", "application/json");
  REQUIRE(mutate);
  CHECK(mutate->status == 404);

  // 413 with a Content-Length over the limit.
  const std::string big(70000, 'x');
  auto sized = client.Post("/workflow/instrument", InstrumentBody(big), "application/json");
  REQUIRE(sized);
  CHECK(sized->status == 413);
  CHECK(ErrorCode(sized) == "payload_too_large");

  // 413 for a chunked body too (cpp-httplib does not limit those: library-facts §2.5).
  RawConnection chunked(server.port());
  REQUIRE(chunked.ok());
  std::string request =
      "POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) request += "1000\r\n" + std::string(4096, 'y') + "\r\n";
  request += "0\r\n\r\n";
  chunked.Send(request);
  const std::string chunked_answer = chunked.ReadResponse(5s);
  CHECK(StatusOf(chunked_answer) == 413);
  CHECK(chunked_answer.find("payload_too_large") != std::string::npos);

  // A chunked body under the limit is fine.
  RawConnection small_chunked(server.port());
  const std::string payload = InstrumentBody("a: 1");
  small_chunked.Send(
      "POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      Hex(payload.size()) + "\r\n" + payload + "\r\n0\r\n\r\n");
  CHECK(StatusOf(small_chunked.ReadResponse(5s)) == 200);

  // A 7,500-character path (the regex-route crash of library-facts §2.8) is a plain 404.
  auto long_path = client.Get("/" + std::string(7500, 'a'));
  REQUIRE(long_path);
  CHECK(long_path->status == 404);
  auto health = client.Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");

  // Nothing of the manifests reached the log.
  CHECK(server.Output().find(secret) == std::string::npos);
  CHECK(server.Output().find("eclipse-temurin") == std::string::npos);
}

TEST_CASE("bearer-token auth guards the API, not the probes; secrets stay out of logs", "[serve]") {
  const std::string token = "tok-0123456789abcdef-secret";
  ServerProcess server(Env{{"TRACEASSIST_API_TOKENS", "other-token-aaaaaaaaaaaa, " + token}});
  auto client = ClientFor(server);
  const auto none = Post(client, InstrumentBody(kManifest));
  CHECK(none->status == 401);
  CHECK(ErrorCode(none) == "unauthorized");
  CHECK(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
  const auto wrong = Post(client, InstrumentBody(kManifest),
                          {{"Authorization", "Bearer tok-0123456789abcdef-secreX"}});
  CHECK(wrong->status == 401);
  const auto right =
      Post(client, InstrumentBody(kManifest), {{"Authorization", "Bearer " + token}});
  CHECK(right->status == 200);
  for (const char* probe : {"/health", "/ready", "/metrics"}) {
    auto answer = client.Get(probe);
    REQUIRE(answer);
    CHECK(answer->status == 200);
  }
  server.Signal(SIGTERM);  // request lines are flushed in batches; all are out once it stopped
  REQUIRE(server.Wait(10s) == std::optional<int>(0));
  const std::string log = server.Output();
  CHECK(log.find(token) == std::string::npos);
  CHECK(log.find("other-token") == std::string::npos);
  CHECK(log.find("2 token(s) ***") != std::string::npos);  // the effective configuration, masked
  CHECK(log.find("eclipse-temurin") == std::string::npos);
  CHECK(log.find(R"("msg":"request")") != std::string::npos);
  CHECK(log.find(R"("status":401)") != std::string::npos);
}

TEST_CASE("auth is off by default", "[serve]") {
  ServerProcess server;
  auto client = ClientFor(server);
  CHECK(Post(client, InstrumentBody(kManifest))->status == 200);
}

TEST_CASE("the per-client rate limit answers 429 with Retry-After", "[serve]") {
  ServerProcess server(Env{{"TRACEASSIST_RATE_LIMIT_RPS", "1"}});
  auto client = ClientFor(server);
  CHECK(Post(client, InstrumentBody("a: 1"))->status == 200);
  const auto limited = Post(client, InstrumentBody("a: 1"));
  CHECK(limited->status == 429);
  CHECK(ErrorCode(limited) == "rate_limited");
  CHECK(limited->get_header_value("Retry-After") == "1");
}

TEST_CASE("beyond the connection cap, new connections get 503 with Retry-After", "[serve]") {
  ServerProcess server(Env{{"TRACEASSIST_MAX_CONNECTIONS", "4"}});
  std::vector<RawConnection> idle;
  for (int i = 0; i < 4; ++i) {
    idle.emplace_back(server.port());
    REQUIRE(idle.back().ok());
  }
  // Let the accept loop hand the idle connections to their threads.
  auto client = ClientFor(server);
  bool shed = false;
  for (int attempt = 0; attempt < 100 && !shed; ++attempt) {
    RawConnection extra(server.port());
    extra.Send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = extra.ReadResponse(2s);
    if (StatusOf(answer) == 503) {
      shed = true;
      CHECK(answer.find("Retry-After: 1") != std::string::npos);
      CHECK(answer.find("overloaded") != std::string::npos);
      // The liveness probe still answers at the cap (a 503 would get a busy pod restarted).
      RawConnection probe(server.port());
      probe.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      const std::string health = probe.ReadResponse(2s);
      CHECK(StatusOf(health) == 200);
      CHECK(health.find("Connection: close") != std::string::npos);
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  CHECK(shed);
  idle.clear();  // capacity comes back once they close
  bool served = false;
  for (int attempt = 0; attempt < 200 && !served; ++attempt) {
    auto health = client.Get("/health");
    served = health && health->status == 200;
    if (!served) std::this_thread::sleep_for(10ms);
  }
  CHECK(served);
}

TEST_CASE("300 stalled half-requests do not delay /health", "[serve]") {
  if (kThreadSanitizer) {
    WARN(
        "skipped under ThreadSanitizer: hundreds of connection threads are beyond what it can run "
        "(see server_process.h)");
    return;
  }
  ServerProcess server;
  std::vector<RawConnection> stalled;
  for (int i = 0; i < 300; ++i) {
    stalled.emplace_back(server.port());
    REQUIRE(stalled.back().ok());
    stalled.back().Send("POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Le");
  }
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    RawConnection probe(server.port());
    probe.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = probe.ReadResponse(5s * kSanitizerSlowdown);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(StatusOf(answer) == 200);
    CHECK(took < 1s * kSanitizerSlowdown);
  }
}

TEST_CASE("256 keep-alive clients are all served, and keep-alive requests are fast", "[serve]") {
  if (kThreadSanitizer) {
    WARN(
        "skipped under ThreadSanitizer: hundreds of connection threads are beyond what it can run "
        "(see server_process.h)");
    return;
  }
  // Idle limits well above the test's length: on a loaded machine the first clients can wait
  // more than the default 5 s for their next request while the other 255 are served, and closing
  // them then would be right (it is tested on its own).
  ServerProcess server(std::map<std::string, std::string>{
      {"TRACEASSIST_KEEPALIVE_TIMEOUT_S", "120"}, {"TRACEASSIST_READ_TIMEOUT_MS", "120000"}});
  std::vector<RawConnection> clients;
  for (int i = 0; i < 256; ++i) {
    clients.emplace_back(server.port());
    REQUIRE(clients.back().ok());
  }
  const std::string body = InstrumentBody(kManifest);
  const std::string request =
      "POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  int ok = 0;
  for (int round = 0; round < 2; ++round) {
    for (auto& c : clients) c.Send(request);  // all 256 in flight at once
    for (auto& c : clients) ok += StatusOf(c.ReadResponse(10s)) == 200 ? 1 : 0;
  }
  CHECK(ok == 512);

  // Nagle's algorithm on the server would cost ~40 ms per request on a keep-alive connection
  // (library-facts §2.4); this client sends each request in one write with TCP_NODELAY.
  RawConnection& one = clients.front();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    one.Send(request);
    REQUIRE(StatusOf(one.ReadResponse(5s)) == 200);
  }
  CHECK(std::chrono::steady_clock::now() - start < 1500ms * kSanitizerSlowdown);
}

// Voluntary context switches of every thread of process `pid` so far.
long VoluntarySwitches(pid_t pid) {
  long total = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::stol(line.substr(24));
    }
  }
  return total;
}

TEST_CASE("idle keep-alive connections do not wake the server", "[serve]") {
  // cpp-httplib's own wait for the next request polls in 10 ms slices with a 1 ms sleep between
  // them
  // (~90 wakeups/s per idle connection); connection_guard.cc replaces it with one poll.
  ServerProcess server;
  std::vector<RawConnection> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back(server.port());
    REQUIRE(clients.back().ok());
    REQUIRE(clients.back().Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(StatusOf(clients.back().ReadResponse(5s)) == 200);
  }
  const long before = VoluntarySwitches(server.pid());
  std::this_thread::sleep_for(1s);
  const long woken = VoluntarySwitches(server.pid()) - before;
  INFO("voluntary context switches in 1 s with 20 idle keep-alive connections: " << woken);
  CHECK(woken < 200);  // the library's loop: ~1,800
}

TEST_CASE("/metrics is valid Prometheus text (promtool)", "[serve]") {
  ServerProcess server;
  auto client = ClientFor(server);
  client.set_keep_alive(true);  // one connection: each request is logged before the next is read
  Post(client, InstrumentBody(kManifest));
  Post(client, "{bad");
  client.Get("/nope");
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string& text = metrics->body;
  CHECK(
      text.find(R"(traceassist_http_requests_total{route="/workflow/instrument",code="200"} 1)") !=
      std::string::npos);
  CHECK(
      text.find(R"(traceassist_http_requests_total{route="/workflow/instrument",code="400"} 1)") !=
      std::string::npos);
  CHECK(text.find(R"(traceassist_http_requests_total{route="other",code="404"} 1)") !=
        std::string::npos);
  CHECK(
      text.find(
          R"(traceassist_http_request_duration_seconds_bucket{route="/workflow/instrument",le="+Inf"} 2)") !=
      std::string::npos);
  CHECK(text.find(R"(traceassist_manifests_processed_total{outcome="changed"} 1)") !=
        std::string::npos);
  CHECK(text.find("traceassist_objects_processed_total{") != std::string::npos);
  CHECK(text.find("traceassist_http_requests_in_flight 1") != std::string::npos);
  CHECK(text.find("traceassist_build_info{version=") != std::string::npos);

  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    WARN("promtool not installed (Debian package prometheus): exposition not checked by it");
    return;
  }
  const std::string path = "/tmp/traceassist-metrics-" + std::to_string(server.pid()) + ".txt";
  std::ofstream(path) << text;
  const int rc =
      std::system(("promtool check metrics < " + path + " > " + path + ".out 2>&1").c_str());
  std::ifstream report(path + ".out");
  const std::string complaints((std::istreambuf_iterator<char>(report)), {});
  INFO(complaints);
  CHECK(rc == 0);
  std::remove(path.c_str());
  std::remove((path + ".out").c_str());
}

TEST_CASE("SIGTERM drains: /ready turns 503, a request in flight completes with 200, exit 0",
          "[serve]") {
  ServerProcess server;
  RawConnection probe(server.port());
  probe.Send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(StatusOf(probe.ReadResponse(5s)) == 200);

  // A request in flight: headers and half of the body sent.
  const std::string body = InstrumentBody(kManifest);
  RawConnection in_flight(server.port());
  in_flight.Send(
      "POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2));
  std::this_thread::sleep_for(50ms);  // (not readiness: gives the half body time to arrive)
  server.Signal(SIGTERM);

  // The keep-alive probe connection now sees 503 and Connection: close.
  std::string ready;
  for (int attempt = 0; attempt < 200; ++attempt) {
    ready = server.Output();
    if (ready.find(R"("msg":"draining")") != std::string::npos) break;
    std::this_thread::sleep_for(5ms);
  }
  probe.Send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string draining = probe.ReadResponse(5s);
  CHECK(StatusOf(draining) == 503);
  CHECK(draining.find("Connection: close") != std::string::npos);
  CHECK(draining.find("draining") != std::string::npos);
  // New connections are refused.
  RawConnection late(server.port());
  CHECK((!late.ok() || StatusOf([&] {
                         late.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                         return late.ReadResponse(2s);
                       }()) == -1));

  in_flight.Send(body.substr(body.size() / 2));
  const std::string answer = in_flight.ReadResponse(5s);
  CHECK(StatusOf(answer) == 200);
  CHECK(answer.find("modified_manifest_content") != std::string::npos);
  CHECK(server.Wait(10s) == std::optional<int>(0));
  CHECK(server.Output().find(R"("msg":"drained")") != std::string::npos);
}

TEST_CASE("SIGINT stops an idle server with exit 0", "[serve]") {
  ServerProcess server;
  server.Signal(SIGINT);
  CHECK(server.Wait(10s) == std::optional<int>(0));
}

TEST_CASE("bad configuration stops the start with a clear message and exit 2", "[serve]") {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"TRACEASSIST_PORT", "80a"}}, "TRACEASSIST_PORT: '80a' is not an integer"},
      {{{"TRACEASSIST_PORT", "70000"}}, "TRACEASSIST_PORT: 70000 is out of range"},
      {{{"TRACEASSIST_TLS_CERT", "/tmp/x.crt"}}, "TRACEASSIST_TLS_CERT and TRACEASSIST_TLS_KEY"},
      {{{"TRACEASSIST_LOG_LEVEL", "loud"}}, "TRACEASSIST_LOG_LEVEL: 'loud'"},
      {{{"TRACEASSIST_API_TOKENS", "short"}}, "at least 16 characters"},
      {{{"TRACEASSIST_MAX_BODY_BYTES", "-1"}}, "TRACEASSIST_MAX_BODY_BYTES"},
      {{{"TRACEASSIST_WEBHOOK_MODE", "yolo"}}, "TRACEASSIST_WEBHOOK_MODE"},
      {{{"TRACEASSIST_WEBHOOK_TARGET", "deployments"}},
       "TRACEASSIST_WEBHOOK_TARGET: 'deployments' is not workloads or pods"},
      {{{"TRACEASSIST_INSTRUMENTATION", "has space"}}, "TRACEASSIST_INSTRUMENTATION"},
      {{{"TRACEASSIST_ENABLE_GO", "maybe"}}, "TRACEASSIST_ENABLE_GO: 'maybe' is not a boolean"},
      {{{"TRACEASSIST_CONFIG_FILE", "/nonexistent/traceassist.yaml"}}, "cannot read"},
  };
  for (auto [env, message] : cases) {
    env.emplace("TRACEASSIST_PORT", "0");  // if a case were accepted, no fixed port is taken
    const auto [code, output] = RunBinary({"serve"}, env, std::chrono::seconds(5));
    INFO(output);
    CHECK(code == 2);
    CHECK(output.find(message) != std::string::npos);
  }
  // Flags are validated the same way, and win over the environment.
  const auto [code, output] = RunBinary({"serve", "--port", "x"}, {{"TRACEASSIST_PORT", "0"}});
  CHECK(code == 2);
  CHECK(output.find("TRACEASSIST_PORT: 'x'") != std::string::npos);
}

TEST_CASE("empty settings count as unset (compose files pass NAME: with no value)", "[serve]") {
  ServerProcess server(Env{{"TRACEASSIST_API_TOKENS", ""},
                           {"TRACEASSIST_MAX_BODY_BYTES", ""},
                           {"TRACEASSIST_TLS_CERT", ""},
                           {"TRACEASSIST_TLS_KEY", ""}});
  const std::string log = server.Output();
  CHECK(log.find(R"("api_tokens":"off")") != std::string::npos);
  CHECK(log.find(R"("max_body_bytes":10485760)") != std::string::npos);
  CHECK(server.tls_port() == -1);
}

TEST_CASE("settings layer: config file, then environment, then flags", "[serve]") {
  const std::string path = "/tmp/traceassist-config-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "max_body_bytes: 2048\nlog_level: debug\nkeepalive_max_requests: 77\n";
  ServerProcess server(Env{{"TRACEASSIST_CONFIG_FILE", path}, {"TRACEASSIST_LOG_LEVEL", "info"}},
                       {"--keepalive-max-requests", "88"});
  const std::string log = server.Output();
  CHECK(log.find(R"("max_body_bytes":2048)") != std::string::npos);        // from the file
  CHECK(log.find(R"("log_level":"info")") != std::string::npos);           // env over file
  CHECK(log.find(R"("keepalive_max_requests":88)") != std::string::npos);  // flag over file
  std::remove(path.c_str());
}

TEST_CASE("traceassist healthcheck exits 0 against a live server and 1 otherwise", "[serve]") {
  int dead_port = 0;
  {
    ServerProcess server;
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/health";
    const auto [code, output] = RunBinary({"healthcheck", "--url", url}, {});
    CHECK(code == 0);
    CHECK(output.find("healthy") != std::string::npos);
    const auto [env_code, env_output] =
        RunBinary({"healthcheck"}, {{"TRACEASSIST_PORT", std::to_string(server.port())}});
    CHECK(env_code == 0);
    dead_port = server.port();
    const auto [missing_code, missing_output] = RunBinary(
        {"healthcheck", "--url", "http://127.0.0.1:" + std::to_string(dead_port) + "/nope"}, {});
    CHECK(missing_code == 1);
  }
  const auto [code, output] = RunBinary(
      {"healthcheck", "--url", "http://127.0.0.1:" + std::to_string(dead_port) + "/health",
       "--timeout-ms", "500"},
      {});
  CHECK(code == 1);
  CHECK(output.find("unhealthy") != std::string::npos);
}
