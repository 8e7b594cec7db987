// Image inspection's evidence (issue 16): one case per rule, each with an image config written for
// it (never the shared corpus's, which measures the rules).
#include <catch2/catch.hpp>

#include "language_profile_test.h"
#include "traceassist/instrument/detector.h"
#include "traceassist/instrument/image_facts.h"
#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;
using testing::Annotation;
using testing::App;

namespace {

ImageFacts Config(std::vector<std::string> env, std::vector<std::string> entrypoint = {},
                  std::vector<std::string> cmd = {}) {
  ImageFacts f;
  f.reference = "registry.internal/shop/orders:1.4.2";
  f.digest = "sha256:" + std::string(64, 'a');
  f.env = std::move(env);
  f.env.insert(f.env.begin(), "PATH=/usr/local/bin:/usr/bin:/bin");
  f.entrypoint = std::move(entrypoint);
  f.cmd = std::move(cmd);
  return f;
}

BinaryFacts GoBinary(std::string path) {
  BinaryFacts b;
  b.path = std::move(path);
  b.go_build_info = true;
  b.go_version = "go1.23.4";
  return b;
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p + "; ";
  return out;
}

Detection Detect(const ContainerView& c, const ImageFacts& f) {
  const Detection d = DetectLanguage(c, nullptr, &f);
  UNSCOPED_INFO(c.image << " -> " << ToString(d.language) << "/" << ToString(d.confidence)
                        << " from " << Joined(d.evidence));
  return d;
}

bool HasEvidence(const Detection& d, std::string_view text) {
  return std::any_of(d.evidence.begin(), d.evidence.end(),
                     [&](const std::string& e) { return e == text; });
}

Decision DecideWith(ContainerView c, const ImageFacts& f) {
  WorkloadView w;
  w.kind = "Deployment";
  w.name = "orders";
  w.has_template = true;
  w.containers = {std::move(c)};
  Options options;
  options.enable_go = true;
  options.image_facts = [&f](std::string_view reference) {
    return reference == f.reference ? &f : nullptr;
  };
  return Decide(w, options);
}

const std::string kImage = "registry.internal/shop/orders:1.4.2";

}  // namespace

TEST_CASE("runtime version variables of the image config name the language, with their value",
          "[image_evidence]") {
  struct Case {
    std::string env;
    Language language;
    std::string evidence;
  };
  const std::vector<Case> cases = {
      {"JAVA_VERSION=jdk-21.0.5+11", Language::kJava,
       "image config env JAVA_VERSION=jdk-21.0.5+11"},
      {"NODE_VERSION=22.11.0", Language::kNodejs, "image config env NODE_VERSION=22.11.0"},
      {"PYTHON_VERSION=3.12.7", Language::kPython, "image config env PYTHON_VERSION=3.12.7"},
      {"DOTNET_VERSION=8.0.10", Language::kDotnet, "image config env DOTNET_VERSION=8.0.10"},
      {"ASPNET_VERSION=8.0.10", Language::kDotnet, "image config env ASPNET_VERSION=8.0.10"},
      {"RUBY_VERSION=3.3.6", Language::kRuby, "image config env RUBY_VERSION=3.3.6"},
      {"NGINX_VERSION=1.27.2", Language::kNginx, "image config env NGINX_VERSION=1.27.2"},
      {"HTTPD_VERSION=2.4.62", Language::kApacheHttpd, "image config env HTTPD_VERSION=2.4.62"},
      {"PHP_VERSION=8.3.13", Language::kPhp, "image config env PHP_VERSION=8.3.13"},
  };
  for (const Case& c : cases) {
    const Detection d = Detect(App(kImage), Config({c.env}));
    CHECK(d.language == c.language);
    CHECK(d.confidence == Confidence::kHigh);
    CHECK(HasEvidence(d, c.evidence));
  }
  // The manifest alone says nothing about this image.
  CHECK(DetectLanguage(App(kImage), nullptr).language == Language::kUnknown);
}

TEST_CASE("image env values are printed only for runtime keys", "[image_evidence]") {
  const Detection d =
      Detect(App(kImage), Config({"JAVA_HOME=/opt/java/openjdk", "JAVA_OPTS=-Dtoken=s3cr3t",
                                  "API_KEY=s3cr3t", "JAVA_VERSION=" + std::string(60, 'x')}));
  CHECK(d.language == Language::kJava);
  CHECK(HasEvidence(d, "image config env JAVA_HOME=/opt/java/openjdk"));
  CHECK(HasEvidence(d, "image config env JAVA_OPTS"));
  CHECK(HasEvidence(d, "image config env JAVA_VERSION"));  // too long to print
  for (const auto& e : d.evidence) CHECK(e.find("s3cr3t") == std::string::npos);
}

TEST_CASE("the image config's env follows the manifest's env rules", "[image_evidence]") {
  CHECK(Detect(App(kImage), Config({"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"})).language ==
        Language::kPython);
  CHECK(Detect(App(kImage), Config({"Logging__LogLevel__Default=Information"})).language ==
        Language::kDotnet);
  // Go's runtime variables only support other Go evidence.
  CHECK(Detect(App(kImage), Config({"GOMAXPROCS=4", "GOTRACEBACK=single"})).language ==
        Language::kUnknown);
}

TEST_CASE("Entrypoint and Cmd follow the launcher rules", "[image_evidence]") {
  // Node on plain alpine: no NODE_VERSION, only the program.
  const Detection node = Detect(App(kImage), Config({}, {"node", "server.js"}));
  CHECK(node.language == Language::kNodejs);
  CHECK(node.confidence == Confidence::kHigh);
  CHECK(HasEvidence(node, "image config command node"));
  // The official images' docker-entrypoint.sh runs its arguments.
  CHECK(Detect(App(kImage), Config({}, {"docker-entrypoint.sh"}, {"python", "app.py"})).language ==
        Language::kPython);
  // A utility entrypoint is a utility.
  CHECK(Detect(App(kImage), Config({}, {"sleep", "infinity"})).language == Language::kNone);
}

TEST_CASE("a shell entrypoint's $VAR is expanded from the config Env", "[image_evidence]") {
  const ImageFacts f = Config({"APP_CMD=gunicorn"}, {"/bin/sh", "-c", "cd /srv && exec $APP_CMD"});
  const Detection d = Detect(App(kImage), f);
  CHECK(d.language == Language::kPython);
  CHECK(HasEvidence(d, "image config shell command gunicorn"));
}

TEST_CASE("the manifest's own command and env win where they say something", "[image_evidence]") {
  const ImageFacts java =
      Config({"JAVA_HOME=/opt/java", "JAVA_VERSION=21"}, {"java", "-jar", "a.jar"});
  // The manifest starts Python: the image's Java hints do not count.
  const Detection d = Detect(App(kImage, {"python", "worker.py"}), java);
  CHECK(d.language == Language::kPython);
  for (const auto& e : d.evidence) CHECK(e.find("JAVA") == std::string::npos);
  // A manifest command replaces Entrypoint and Cmd; args alone replace Cmd.
  const ImageFacts node = Config({}, {}, {"node", "server.js"});
  ContainerView args = App(kImage);
  args.args = {"python", "job.py"};
  CHECK(Detect(args, node).language == Language::kPython);
  CHECK(Detect(App(kImage, {"/app/server"}), node).language == Language::kUnknown);
  // A variable the manifest sets is the manifest's evidence, not repeated as the image's.
  const Detection both = Detect(App(kImage, {}, {"NODE_ENV"}), Config({"NODE_ENV=production"}));
  CHECK(HasEvidence(both, "env NODE_ENV"));
  CHECK_FALSE(HasEvidence(both, "image config env NODE_ENV"));
  // Low manifest evidence (an image-name word) is joined by the image's.
  const Detection joined =
      Detect(App("registry.internal/shop/orders-java:1"), Config({"JAVA_VERSION=21"}));
  CHECK(joined.language == Language::kJava);
  CHECK(joined.confidence == Confidence::kHigh);
}

TEST_CASE("recognised infrastructure stays infrastructure whatever its image holds",
          "[image_evidence]") {
  // By name, as without inspection: Kafka's JAVA_HOME does not matter.
  ImageFacts kafka = Config({"JAVA_HOME=/opt/java/openjdk", "JAVA_VERSION=21"},
                            {"/__cacert_entrypoint.sh"}, {"/etc/kafka/docker/run"});
  kafka.reference = "confluentinc/cp-kafka:7.7.1";
  CHECK(Detect(App(kafka.reference), kafka).language == Language::kNone);
  // Under a name nothing recognises, by the program it starts.
  CHECK(Detect(App(kImage), kafka).language == Language::kNone);
  CHECK(HasEvidence(Detect(App(kImage), kafka), "image starts /etc/kafka/docker/run"));
  ImageFacts prometheus = Config({}, {"/bin/prometheus"}, {"--config.file=/etc/prometheus.yml"});
  prometheus.entry_binary = GoBinary("/bin/prometheus");
  CHECK(Detect(App(kImage), prometheus).language == Language::kNone);
  ImageFacts collector = Config({}, {"/otelcol-contrib"}, {"--config", "/etc/otelcol/config.yaml"});
  collector.entry_binary = GoBinary("/otelcol-contrib");
  CHECK(Detect(App(kImage), collector).language == Language::kNone);
  // Any command of a shell entrypoint: a template step before the proxy.
  const ImageFacts envoy = Config(
      {}, {"/bin/sh", "-c", "envsubst < envoy.tmpl.yaml > envoy.yaml && envoy -c envoy.yaml"});
  CHECK(HasEvidence(Detect(App(kImage), envoy), "image starts envoy"));
  // By its OCI labels.
  ImageFacts search = Config({"OPENSEARCH_JAVA_HOME=/usr/share/opensearch/jdk", "JAVA_HOME=/jdk"},
                             {"./opensearch-docker-entrypoint.sh"});
  search.labels = {{"org.opencontainers.image.title", "OpenSearch"}};
  CHECK(Detect(App(kImage), search).language == Language::kNone);
  ImageFacts exporter = Config({}, {"/app/exporter"});
  exporter.entry_binary = GoBinary("/app/exporter");
  exporter.labels = {
      {"org.opencontainers.image.source", "https://github.com/prometheus/statsd_exporter"}};
  const Detection d = Detect(App(kImage), exporter);
  CHECK(d.language == Language::kNone);
  CHECK(HasEvidence(
      d,
      "image label org.opencontainers.image.source=https://github.com/prometheus/statsd_exporter"));
  // An application's own labels are not infrastructure.
  exporter.labels = {{"org.opencontainers.image.source", "https://github.com/acme/orders"}};
  CHECK(Detect(App(kImage), exporter).language == Language::kGo);
  // The manifest's infrastructure answer wins over the image too.
  CHECK(
      Detect(App("busybox:1.36", {"sh", "-c", "sleep 5"}), Config({"NODE_VERSION=22"})).language ==
      Language::kNone);
}

TEST_CASE("self-contained .NET on runtime-deps: container variables and an apphost",
          "[image_evidence]") {
  ImageFacts f =
      Config({"APP_UID=1654", "ASPNETCORE_HTTP_PORTS=8080", "DOTNET_RUNNING_IN_CONTAINER=true"},
             {"/app/Orders"});
  f.working_dir = "/app";
  f.entry_binary = BinaryFacts{"/app/Orders", false, "", "/lib64/ld-linux-x86-64.so.2"};
  const Detection d = Detect(App(kImage), f);
  CHECK(d.language == Language::kDotnet);
  CHECK(d.confidence == Confidence::kHigh);
  CHECK_FALSE(d.musl);
  CHECK(HasEvidence(d, "image binary /app/Orders links /lib64/ld-linux-x86-64.so.2 (glibc)"));
}

TEST_CASE("a Go entrypoint binary names Go and its path is the target executable",
          "[image_evidence]") {
  ImageFacts f = Config({"GOTRACEBACK=single"}, {"./server"});
  f.working_dir = "/app";
  // Without --inspect-layers the config says too little.
  CHECK(Detect(App(kImage), f).language == Language::kUnknown);
  f.entry_binary = GoBinary("/app/server");
  const Detection d = Detect(App(kImage), f);
  CHECK(d.language == Language::kGo);
  CHECK(d.go_exe == "/app/server");
  CHECK(HasEvidence(d, "image binary /app/server has Go build info (go1.23.4)"));
  const Decision decision = DecideWith(App(kImage), f);
  REQUIRE(Annotation(decision, "instrumentation.opentelemetry.io/otel-go-auto-target-exe"));
  CHECK(*Annotation(decision, "instrumentation.opentelemetry.io/otel-go-auto-target-exe") ==
        "/app/server");
  // Found through a shell entrypoint's variable, on PATH.
  ImageFacts shell =
      Config({"SVC_NAME=catalog-svc"}, {"/bin/sh", "-c", "cd /usr/local/bin && $SVC_NAME"});
  shell.entry_binary = GoBinary("/usr/local/bin/catalog-svc");
  CHECK(Detect(App(kImage), shell).go_exe == "/usr/local/bin/catalog-svc");
  // A manifest command that starts another file: the image's binary is not what runs.
  CHECK(Detect(App(kImage, {"/app/migrate"}), f).language == Language::kUnknown);
}

TEST_CASE("the ELF interpreter sets the platform annotations instead of the tag",
          "[image_evidence]") {
  ImageFacts musl = Config({"PYTHON_VERSION=3.12.7"}, {"python3", "app.py"});
  musl.entry_binary = BinaryFacts{"/usr/local/bin/python3", false, "", "/lib/ld-musl-x86_64.so.1"};
  const Decision d = DecideWith(App(kImage), musl);
  REQUIRE(Annotation(d, "instrumentation.opentelemetry.io/otel-python-platform"));
  CHECK(*Annotation(d, "instrumentation.opentelemetry.io/otel-python-platform") == "musl");
  // An "-alpine" tag whose binary links glibc: the facts win.
  ImageFacts glibc = musl;
  glibc.reference = "registry.internal/shop/orders:1.4.2-alpine";
  glibc.entry_binary->interpreter = "/lib64/ld-linux-x86-64.so.2";
  const Decision g = DecideWith(App(glibc.reference), glibc);
  CHECK(Annotation(g, "instrumentation.opentelemetry.io/inject-python"));
  CHECK_FALSE(Annotation(g, "instrumentation.opentelemetry.io/otel-python-platform"));
}

TEST_CASE("history lines only support other evidence", "[image_evidence]") {
  ImageFacts f = Config({});
  f.history = {"WORKDIR /app", "RUN /bin/sh -c pip install -r requirements.txt # buildkit"};
  CHECK(Detect(App(kImage), f).language == Language::kUnknown);
  f.env.push_back("PYTHONUNBUFFERED=1");
  const Detection d = Detect(App(kImage), f);
  CHECK(d.language == Language::kPython);
  CHECK(HasEvidence(d, "image history \"pip install\""));
}

TEST_CASE("Options::image_facts reaches detection through a rewrite", "[image_evidence]") {
  const ImageFacts f = Config({"JAVA_VERSION=21.0.5"}, {"/app/bin/orders"});
  Options options;
  options.image_facts = [&f](std::string_view reference) {
    return reference == f.reference ? &f : nullptr;
  };
  const std::string manifest =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n"
      "    spec:\n      containers:\n      - name: orders\n        image: " +
      kImage + "\n";
  const auto with = RewriteManifests(manifest, options);
  REQUIRE(with.ok());
  CHECK(with.value().text.find("inject-java") != std::string::npos);
  // No facts for the reference: manifest only, unchanged.
  options.image_facts = [](std::string_view) -> const ImageFacts* { return nullptr; };
  const auto without = RewriteManifests(manifest, options);
  REQUIRE(without.ok());
  CHECK(without.value().text == manifest);
}

TEST_CASE("infrastructure images under names nothing recognises get no language from their image",
          "[image_evidence]") {
  struct Infra {
    std::string what;
    ImageFacts facts;
  };
  auto with_go = [](ImageFacts f, std::string path) {
    f.entry_binary = GoBinary(std::move(path));
    return f;
  };
  auto with_label = [](ImageFacts f, std::string key, std::string value) {
    f.labels.emplace_back(std::move(key), std::move(value));
    return f;
  };
  const std::vector<Infra> images = {
      {"Kafka (Apache image)", Config({"JAVA_HOME=/opt/java/openjdk", "JAVA_VERSION=jdk-21"},
                                      {"/__cacert_entrypoint.sh"}, {"/etc/kafka/docker/run"})},
      {"Kafka (scripts)", Config({"JAVA_HOME=/usr/lib/jvm"}, {"kafka-server-start.sh"},
                                 {"/opt/kafka/config/server.properties"})},
      {"ZooKeeper", Config({"JAVA_HOME=/opt/java", "ZOOCFGDIR=/conf"}, {"/docker-entrypoint.sh"},
                           {"zkServer.sh", "start-foreground"})},
      {"Elasticsearch",
       Config({"ES_JAVA_HOME=/usr/share/elasticsearch/jdk"},
              {"/bin/tini", "--", "/usr/local/bin/docker-entrypoint.sh"}, {"eswrapper"})},
      {"OpenSearch", with_label(Config({"JAVA_HOME=/usr/share/opensearch/jdk"},
                                       {"./opensearch-docker-entrypoint.sh"}),
                                "org.opencontainers.image.title", "OpenSearch")},
      {"Keycloak", Config({"JAVA_HOME=/usr/lib/jvm/jre"}, {"/opt/keycloak/bin/kc.sh"}, {"start"})},
      {"Prometheus", with_go(Config({}, {"/bin/prometheus"}), "/bin/prometheus")},
      {"OTel Collector", with_go(Config({}, {"/otelcol-contrib"}), "/otelcol-contrib")},
      {"node_exporter", with_go(Config({}, {"/bin/node_exporter"}), "/bin/node_exporter")},
      {"Grafana",
       with_label(Config({"GF_PATHS_HOME=/usr/share/grafana"}, {"/run.sh"}),
                  "org.opencontainers.image.source", "https://github.com/grafana/grafana")},
      {"PostgreSQL", Config({"PG_VERSION=17.2", "PGDATA=/var/lib/postgresql/data"},
                            {"docker-entrypoint.sh"}, {"postgres"})},
      {"Redis", Config({"REDIS_VERSION=7.4.1"}, {"docker-entrypoint.sh"}, {"redis-server"})},
      {"RabbitMQ", Config({"RABBITMQ_VERSION=4.0"}, {"docker-entrypoint.sh"}, {"rabbitmq-server"})},
      {"Envoy", Config({}, {"/docker-entrypoint.sh"}, {"envoy", "-c", "/etc/envoy/envoy.yaml"})},
      {"Envoy behind a template step",
       Config({}, {"/bin/sh", "-c",
                   "envsubst < envoy.tmpl.yaml > envoy.yaml && envoy -c envoy.yaml;"})},
      {"Fluent Bit", Config({}, {"/fluent-bit/bin/fluent-bit"}, {"-c", "/fluent-bit/etc/fb.conf"})},
  };
  for (const Infra& infra : images) {
    INFO(infra.what);
    const Detection d = Detect(App(kImage), infra.facts);
    CHECK((d.language == Language::kNone || d.language == Language::kUnknown));
    const Decision decision = DecideWith(App(kImage), infra.facts);
    CHECK(decision.set.empty());
  }
}
