// The registry client against real registries (Debian's docker-registry 2.8 over TLS on loopback),
// started and filled by harness.py (the registry_live fixture): one with htpasswd basic auth, one
// with token auth. The corpus images are reached as containerd mirrors reach them.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sanitizers.h"
#include "traceassist/registry/client.h"
#include "traceassist/registry/docker_config.h"

using namespace traceassist::registry;
using nlohmann::json;

namespace {

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in);
  return json::parse(in);
}

const json& State() {
  static const json state = [] {
    const char* dir = std::getenv("TRACEASSIST_REGISTRY_STATE");
    if (dir == nullptr)
      FAIL("TRACEASSIST_REGISTRY_STATE is not set (run through ctest: the registry_live fixture)");
    return ReadJson(std::string(dir) + "/state.json");
  }();
  return state;
}

std::string Host(const std::string& which) {
  return "localhost:" + std::to_string(State()["ports"][which].get<int>());
}

// The corpus's registries mirrored to one test registry, loopback allowed for that host only.
RegistryOptions MirrorOptions(const std::string& which, bool with_credentials = true) {
  RegistryOptions o;
  for (const char* upstream : {"docker.io", "registry.istio.io", "us-central1-docker.pkg.dev"}) {
    o.mirrors[upstream] = {"https://" + Host(which)};
  }
  o.private_address_hosts = {"localhost"};
  o.ca_file = State()["ca"];
  if (with_credentials) {
    std::ifstream in(State()["docker_config"][which].get<std::string>());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = ParseDockerConfig(text);
    REQUIRE(parsed.index() == 0);
    o.credentials = std::get<0>(parsed);
  }
  return o;
}

Inspection Inspect(const RegistryOptions& options, const std::string& reference,
                   std::shared_ptr<FactsCache> cache = std::make_shared<FactsCache>()) {
  RegistryClient client(options, std::move(cache));
  return client.Inspect(reference, std::chrono::steady_clock::now() + std::chrono::seconds(30));
}

json CorpusEntry(const std::string& reference) {
  for (const auto& file :
       std::filesystem::directory_iterator(std::string(TRACEASSIST_CORPUS_DIR) + "/images")) {
    if (file.path().extension() != ".json") continue;
    auto entry = ReadJson(file.path().string());
    if (entry["reference"] == reference) return entry;
  }
  FAIL("no corpus entry for " << reference);
  return {};
}

std::vector<std::string> Strings(const json& config, const char* key) {
  const auto it = config.find(key);
  return it == config.end() || it->is_null() ? std::vector<std::string>{}
                                             : it->get<std::vector<std::string>>();
}

}  // namespace

TEST_CASE(
    "every resolvable corpus image is read through a mirror with basic auth, layers included") {
  auto options = MirrorOptions("basic");
  options.inspect_layers = true;
  int go_binaries = 0, musl = 0;
  for (const auto& image : State()["images"]) {
    const std::string reference = image["reference"];
    auto result = Inspect(options, reference);
    INFO(reference << ": " << result.message);
    REQUIRE(result.outcome == Outcome::kFetched);
    const auto& facts = *result.facts;
    CHECK(facts.reference == reference);
    CHECK(facts.digest == image["digest"]);
    const auto entry = CorpusEntry(reference);
    CHECK(facts.env == Strings(entry["config"]["config"], "Env"));
    CHECK(facts.entrypoint == Strings(entry["config"]["config"], "Entrypoint"));
    CHECK(facts.working_dir == (entry["config"]["config"]["WorkingDir"].is_string()
                                    ? entry["config"]["config"]["WorkingDir"].get<std::string>()
                                    : ""));
    for (const auto& binary : image["binaries"]) {
      if (binary["kind"] == "go" && binary == image["binaries"][0]) {
        REQUIRE(facts.entry_binary);
        CHECK(facts.entry_binary->path == binary["path"]);
        CHECK(facts.entry_binary->go_build_info);
        CHECK(facts.entry_binary->go_version.rfind("go1.", 0) == 0);
        ++go_binaries;
      }
      if (binary["kind"] == "elf" && binary["path"] == "/usr/bin/node" && State()["musl"]) {
        REQUIRE(facts.entry_binary);
        CHECK(facts.entry_binary->interpreter == "/lib/ld-musl-x86_64.so.1");
        CHECK_FALSE(facts.entry_binary->go_build_info);
        ++musl;
      }
    }
  }
  CHECK(go_binaries == 6);  // emojivoto x2 (through sh -c $SVC_NAME) and four boutique services
  if (State()["musl"]) CHECK(musl == 2);
}

TEST_CASE("the platform is settable, a digest reference needs no tag lookup") {
  const auto& image = State()["images"][0];
  auto options = MirrorOptions("basic");
  options.architecture = "arm64";
  auto arm = Inspect(options, image["reference"]);
  INFO(arm.message);
  REQUIRE(arm.outcome == Outcome::kFetched);
  CHECK(arm.facts->env == std::vector<std::string>{"WRONG_PLATFORM=arm64"});
  options.architecture = "s390x";
  auto none = Inspect(options, image["reference"]);
  CHECK(none.outcome == Outcome::kError);
  CHECK(none.message.find("no manifest for linux/s390x") != std::string::npos);

  const std::string by_digest = image["registry"].get<std::string>() + "/" +
                                image["repository"].get<std::string>() + "@" +
                                image["digest"].get<std::string>();
  auto pinned = Inspect(MirrorOptions("basic"), by_digest);
  INFO(pinned.message);
  CHECK(pinned.outcome == Outcome::kFetched);
}

TEST_CASE("basic auth: without credentials the registry's 401 is reported, not retried blindly") {
  auto result = Inspect(MirrorOptions("basic", false), State()["images"][0]["reference"]);
  CHECK(result.outcome == Outcome::kError);
  CHECK(result.message.find("wants credentials (basic) and none are configured") !=
        std::string::npos);
  CHECK(result.message.find("s3cret") == std::string::npos);
}

TEST_CASE(
    "token auth: anonymous bearer tokens for public repositories, credentials for private ones") {
  auto anonymous = Inspect(MirrorOptions("token", false), State()["images"][1]["reference"]);
  INFO(anonymous.message);
  CHECK(anonymous.outcome == Outcome::kFetched);

  auto options = MirrorOptions("token", false);
  options.extra_registries = {"localhost"};
  const std::string private_ref = Host("token") + "/private/app:v1";
  auto refused = Inspect(options, private_ref);
  CHECK(refused.outcome == Outcome::kError);
  CHECK(refused.message.find("401") != std::string::npos);

  auto with_credentials = MirrorOptions("token", true);
  with_credentials.extra_registries = {"localhost"};
  auto granted = Inspect(with_credentials, private_ref);
  INFO(granted.message);
  REQUIRE(granted.outcome == Outcome::kFetched);
  CHECK(granted.facts->env == std::vector<std::string>{"PYTHON_VERSION=3.12.1"});
}

TEST_CASE(
    "caches: on disk across clients (CLI), tag -> digest with a TTL, a cached lookup is "
    "microseconds") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("traceassist-live-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string reference = State()["images"][2]["reference"];
  auto first = Inspect(MirrorOptions("basic"), reference,
                       std::make_shared<FactsCache>(100, std::chrono::minutes(5), dir));
  REQUIRE(first.outcome == Outcome::kFetched);
  auto options = MirrorOptions("basic");
  options.mirrors.clear();  // the second run cannot reach any registry: only the disk can answer
  RegistryClient second(options, std::make_shared<FactsCache>(100, std::chrono::minutes(5), dir));
  auto hit = second.Inspect(reference, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  CHECK(hit.outcome == Outcome::kCacheHit);
  CHECK(hit.facts->env == first.facts->env);

  // Memory-cache lookups, as the server makes them per container.
  constexpr int kLookups = 2000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kLookups; ++i)
    REQUIRE(second.Cached(reference).outcome == Outcome::kCacheHit);
  const auto per_lookup = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - start) /
                          kLookups;
  std::printf("cached inspection: %lld ns per lookup (%d lookups)\n",
              static_cast<long long>(per_lookup.count()), kLookups);
  CHECK(per_lookup < std::chrono::microseconds(50) * kSanitizerSlowdown);
  std::filesystem::remove_all(dir);
}
