// The `reason` label of the API and admission skip counters: codes from the reason table
// (instrument/reason.h), anything else "other", so the label set stays bounded.
#include <httplib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "server_metrics.h"
#include "traceassist/instrument/reason.h"
#include "traceassist/webhook/server.h"

using traceassist::webhook::ServerMetrics;

namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("skip counters take reason codes from the table, anything else as other", "[metrics]") {
  ServerMetrics metrics;
  metrics.ObjectSkipped("no_app_container");
  metrics.ObjectSkipped("no_app_container", 2);
  metrics.ObjectSkipped("a code from nowhere");
  metrics.ObjectSkipped("");  // a skip without a code still counts
  metrics.AdmissionFinished("Pod", "CREATE", "skipped", "owned_by_controller", 0.001);
  metrics.AdmissionFinished("Pod", "CREATE", "skipped", "not_a_reason", 0.001);
  metrics.AdmissionFinished("Pod", "CREATE", "patched", "", 0.001);
  std::string text;
  metrics.Render(text, {});
  CHECK(Has(text, R"(traceassist_objects_skipped_total{reason="no_app_container"} 3)"));
  CHECK(Has(text, R"(traceassist_objects_skipped_total{reason="other"} 2)"));
  CHECK(Has(text,
            R"(traceassist_admission_skipped_total{kind="Pod",reason="owned_by_controller"} 1)"));
  CHECK(Has(text, R"(traceassist_admission_skipped_total{kind="Pod",reason="other"} 1)"));
  CHECK(text.find("a code from nowhere") == std::string::npos);
  CHECK(text.find("not_a_reason") == std::string::npos);
  CHECK(text.find("# HELP traceassist_objects_processed_total Workload objects in API manifests by "
                  "outcome and language.\n") != std::string::npos);
  CHECK(text.find("# HELP traceassist_admission_skipped_total AdmissionReviews the policy left "
                  "unchanged, by object kind and reason code.\n") != std::string::npos);

  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    WARN("promtool not installed (Debian package prometheus): exposition not checked by it");
    return;
  }
  const std::string path = "/tmp/traceassist-reason-metrics-" + std::to_string(getpid()) + ".txt";
  std::ofstream(path) << text;
  const int rc =
      std::system(("promtool check metrics < " + path + " > " + path + ".out 2>&1").c_str());
  std::ifstream report(path + ".out");
  INFO(std::string((std::istreambuf_iterator<char>(report)), {}));
  CHECK(rc == 0);
  std::remove(path.c_str());
  std::remove((path + ".out").c_str());
}

TEST_CASE("every reason code is a label value as it is", "[metrics]") {
  for (const auto& info : traceassist::instrument::Reasons()) {
    CHECK(traceassist::instrument::ReasonLabel(info.code) == info.code);
  }
}

TEST_CASE("every skipped object of an API manifest counts under its first reason", "[metrics]") {
  traceassist::webhook::ServerConfig config;
  config.bind = "127.0.0.1";
  config.port = 0;
  config.threads = 2;
  config.drain_timeout_s = 5;
  traceassist::webhook::Server server(config, nullptr);
  server.Start();
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);  // one connection: each request is recorded before the next is read
  const std::string redis =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cache\nspec:\n  template:\n"
      "    spec:\n      containers:\n        - name: redis\n          image: redis:7\n";
  auto answer = client.Post("/workflow/instrument",
                            nlohmann::json{{"manifest_content", redis}}.dump(), "application/json");
  REQUIRE(answer);
  REQUIRE(answer->status == 200);
  // A manifest of ~600 KiB is rewritten in three pieces of at most 256 KiB: the skips of every
  // piece count.
  std::string many;
  for (int i = 0; i < 4000; ++i) many += "---\n" + redis;
  REQUIRE(many.size() > 2 * 256 * 1024);
  answer = client.Post("/workflow/instrument", nlohmann::json{{"manifest_content", many}}.dump(),
                       "application/json");
  REQUIRE(answer);
  REQUIRE(answer->status == 200);
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(Has(metrics->body, R"(traceassist_objects_skipped_total{reason="no_app_container"} 4001)"));
  CHECK(Has(metrics->body,
            R"(traceassist_objects_processed_total{outcome="skipped",language="none"} 4001)"));
  client.stop();  // no idle keep-alive connection left for the drain to wait on
  CHECK(server.Drain());
}
