// The client against the FAKE registry (fake_registry.h): failure modes no real registry shows, and
// the SSRF refusals with the default settings.
#include "fake_registry.h"

#include <catch2/catch.hpp>

#include "traceassist/registry/client.h"

using namespace traceassist::registry;
using testing::FakeRegistry;

namespace {

const std::string kConfig =
    R"({"architecture":"amd64","os":"linux","config":{"Env":["JAVA_HOME=/opt/java"],"Entrypoint":["java"]}})";

// Settings that let the client reach the fake registry on loopback, and nothing else.
RegistryOptions FakeOptions(const FakeRegistry& fake) {
  RegistryOptions o;
  o.extra_registries = {"localhost"};
  o.private_address_hosts = {"localhost"};
  o.ca_file = fake.ca().string();
  o.request_timeout = std::chrono::milliseconds(1500);
  o.max_retry_after = std::chrono::seconds(2);
  return o;
}

Inspection Inspect(const RegistryOptions& options, const std::string& reference,
                   std::chrono::milliseconds budget = std::chrono::seconds(20)) {
  RegistryClient client(options, std::make_shared<FactsCache>());
  return client.Inspect(reference, std::chrono::steady_clock::now() + budget);
}

}  // namespace

TEST_CASE("fake registry: a good image resolves, then comes from the cache") {
  FakeRegistry fake;
  fake.AddImage("good", kConfig);
  // The good path is not about deadlines: a loaded machine may take more than 1.5 s for the first
  // TLS handshake.
  RegistryOptions options = FakeOptions(fake);
  options.request_timeout = std::chrono::seconds(8);
  RegistryClient client(options, std::make_shared<FactsCache>());
  auto first = client.Inspect(fake.host() + "/good:v1",
                              std::chrono::steady_clock::now() + std::chrono::seconds(10));
  INFO(first.message);
  REQUIRE(first.outcome == Outcome::kFetched);
  CHECK(first.facts->reference == fake.host() + "/good:v1");
  CHECK(first.facts->env == std::vector<std::string>{"JAVA_HOME=/opt/java"});
  CHECK(first.facts->digest.rfind("sha256:", 0) == 0);
  const int requests = fake.requests();
  auto second = client.Inspect(fake.host() + "/good:v1",
                               std::chrono::steady_clock::now() + std::chrono::seconds(10));
  CHECK(second.outcome == Outcome::kCacheHit);
  CHECK(fake.requests() == requests);
}

TEST_CASE("fake registry: hangs, huge and lying sizes, bad JSON and bad digests fail cleanly") {
  FakeRegistry fake;
  const auto options = FakeOptions(fake);
  const std::string big_config_manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:)" +
      std::string(64, 'c') + R"(","size":1073741824}})";
  fake.AddImage("huge", kConfig, big_config_manifest);
  fake.AddImage("hang", std::string(40, ' '));
  fake.AddImage("endless", "{}");
  fake.AddImage("malformed", "{\"config\": [unterminated");
  fake.AddImage("mismatch", kConfig);

  const auto start = std::chrono::steady_clock::now();
  auto hang = Inspect(options, fake.host() + "/hang:v1");
  CHECK(hang.outcome == Outcome::kTimeout);
  CHECK(hang.message.find("no complete answer within 1500 ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));

  auto huge = Inspect(options, fake.host() + "/huge:v1");
  CHECK(huge.outcome == Outcome::kError);
  CHECK(huge.message.find("1073741824 bytes (limit 4194304)") != std::string::npos);

  auto endless = Inspect(options, fake.host() + "/endless:v1");
  CHECK(endless.outcome == Outcome::kError);
  CHECK(endless.message.find("exceeds 2 bytes") != std::string::npos);  // the descriptor said 2

  auto malformed = Inspect(options, fake.host() + "/malformed:v1");
  CHECK(malformed.outcome == Outcome::kError);
  CHECK(malformed.message.find("not a JSON object") != std::string::npos);

  auto mismatch = Inspect(options, fake.host() + "/mismatch:v1");
  CHECK(mismatch.outcome == Outcome::kError);
  CHECK(mismatch.message.find("does not match digest") != std::string::npos);

  auto missing = Inspect(options, fake.host() + "/nothing:v1");
  CHECK(missing.outcome == Outcome::kError);
  CHECK(missing.message.find("404") != std::string::npos);
}

TEST_CASE("fake registry: 429 is retried after Retry-After when it fits the budget") {
  FakeRegistry fake;
  fake.AddImage("ratelimited", kConfig);
  fake.AddImage("ratelimitedlong", kConfig);
  auto once = Inspect(FakeOptions(fake), fake.host() + "/ratelimited:v1");
  INFO(once.message);
  CHECK(once.outcome == Outcome::kFetched);
  auto hour = Inspect(FakeOptions(fake), fake.host() + "/ratelimitedlong:v1");
  CHECK(hour.outcome == Outcome::kError);
  CHECK(hour.message.find("rate limited (429), Retry-After 3600 s") != std::string::npos);
}

TEST_CASE("fake registry: redirects go only over HTTPS to public addresses") {
  FakeRegistry fake;
  for (const char* name : {"redirectip", "redirecthttp", "redirectname"}) {
    fake.AddImage(name, kConfig);
    auto result = Inspect(FakeOptions(fake), fake.host() + "/" + name + ":v1");
    INFO(name << ": " << result.message);
    CHECK(result.outcome == Outcome::kDenied);
    CHECK(result.message.find("redirect to") != std::string::npos);
  }
  auto realm = Inspect(FakeOptions(fake), fake.host() + "/evilrealm:v1");
  CHECK(realm.outcome == Outcome::kDenied);
  CHECK(realm.message.find("token service") != std::string::npos);
  CHECK(realm.message.find("IP literals are not allowed") != std::string::npos);
}

TEST_CASE(
    "SSRF: with the default settings nothing on loopback, private or link-local is contacted") {
  FakeRegistry fake;
  fake.AddImage("good", kConfig);
  RegistryOptions defaults;
  defaults.ca_file = fake.ca().string();  // trust is not permission: still refused
  const std::string port = std::to_string(fake.port());
  struct Case {
    std::string reference, reason;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1:" + port + "/good:v1", "IP literal"},
      {"[::1]:" + port + "/good:v1", "IP literal"},
      {"2130706433:" + port + "/good:v1", "IP literal"},
      {"169.254.169.254/latest/meta-data:v1", "IP literal"},
      {"localhost:" + port + "/good:v1", "not on the allowlist"},
      {"metadata.google.internal/computemetadata/v1:x", "not on the allowlist"},
  };
  for (const auto& c : cases) {
    auto result = Inspect(defaults, c.reference);
    INFO(c.reference << ": " << result.message);
    CHECK(result.outcome == Outcome::kDenied);
    CHECK(result.message.find(c.reason) != std::string::npos);
  }
  // An allowed public name that resolves to loopback (DNS rebinding) is refused at connect time.
  RegistryOptions rebinding = defaults;
  rebinding.resolve = {"ghcr.io:443:127.0.0.1", "quay.io:443:10.0.0.1",
                       "gcr.io:443:169.254.169.254"};
  for (const char* reference : {"ghcr.io/acme/orders:1.4.2", "quay.io/a/b:1", "gcr.io/a/b:1"}) {
    auto result = Inspect(rebinding, reference);
    INFO(reference << ": " << result.message);
    CHECK(result.outcome == Outcome::kDenied);
    CHECK(result.message.find("loopback, link-local, private or reserved") != std::string::npos);
  }
  // A mirror over plain HTTP needs the host marked insecure.
  RegistryOptions mirror = defaults;
  mirror.mirrors["docker.io"] = {"http://localhost:" + port};
  mirror.resolve = {"registry-1.docker.io:443:127.0.0.1"};
  auto result = Inspect(mirror, "nginx:latest");
  CHECK(result.outcome == Outcome::kDenied);
  CHECK(result.message.find("only HTTPS") != std::string::npos);
  CHECK(fake.requests() == 0);
}

TEST_CASE("invalid references are never fetched") {
  FakeRegistry fake;
  for (const char* reference :
       {"us-central1-docker.pkg.dev/PROJECT_ID/gke/custom-metric-exporter",
        "${REPOSITORY_PREFIX}/spring-petclinic-cloud-customers-service:latest"}) {
    auto result = Inspect(FakeOptions(fake), reference);
    CHECK(result.outcome == Outcome::kInvalidReference);
  }
  CHECK(fake.requests() == 0);
}
