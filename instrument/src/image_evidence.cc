// Image facts as evidence: infrastructure recognised from labels and started programs, the image's
// env and command as the detector sees them, the entrypoint binary and the build history.
#include "image_evidence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "detector_rules.h"
#include "image_program.h"
#include "language_profile.h"
#include "match.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

// Programs that infrastructure images start (basenames, lower-case), and globs over the full path
// for those whose basename says nothing ("run").
constexpr sv kInfrastructurePrograms[] = {
    // brokers, databases, search engines
    "kafka-server-start.sh", "zookeeper-server-start.sh", "zkserver.sh", "connect-distributed.sh",
    "opensearch-docker-entrypoint.sh", "opensearch", "elasticsearch", "solr", "solr-foreground",
    "cassandra", "redis-server", "redis-sentinel", "valkey-server", "mongod", "mongos", "postgres",
    "mysqld", "mariadbd", "rabbitmq-server", "nats-server", "memcached", "etcd", "minio",
    "clickhouse-server", "influxd", "neo4j", "couchdb", "artemis", "activemq",
    // observability: collectors, exporters, backends, shippers
    "prometheus", "alertmanager", "pushgateway", "node_exporter", "blackbox_exporter", "otelcol",
    "otelcol-contrib", "otelcol-k8s", "jaeger-all-in-one", "grafana-server", "grafana", "loki",
    "promtail", "tempo", "mimir", "thanos", "fluent-bit", "fluentd", "vector", "telegraf",
    "kube-state-metrics",
    // proxies, meshes, platform services
    "envoy", "pilot-agent", "linkerd2-proxy", "haproxy", "traefik", "nginx-ingress-controller",
    "oauth2-proxy", "cloud-sql-proxy", "consul", "vault", "coredns", "kube-apiserver", "kubelet",
    "kube-proxy", "jenkins.sh", "kc.sh", "eswrapper"};
constexpr sv kInfrastructurePaths[] = {
    "*/kafka/docker/run", "*/confluent/docker/run", "*/kafka/bin/*",   "*/zookeeper/bin/*",
    "*/opensearch/bin/*", "*/elasticsearch/bin/*",  "*/keycloak/bin/*"};
// org.opencontainers.image.source / .url of infrastructure projects.
constexpr sv kInfrastructureSources[] = {"*github.com/prometheus/*",
                                         "*github.com/prometheus-operator/*",
                                         "*github.com/open-telemetry/opentelemetry-collector*",
                                         "*github.com/opensearch-project/*",
                                         "*github.com/apache/kafka*",
                                         "*github.com/confluentinc/*",
                                         "*github.com/elastic/*",
                                         "*github.com/grafana/*",
                                         "*github.com/jaegertracing/*",
                                         "*github.com/envoyproxy/*",
                                         "*github.com/istio/*",
                                         "*github.com/linkerd/*",
                                         "*github.com/kubernetes-csi/*",
                                         "*github.com/fluxcd/*",
                                         "*github.com/argoproj/*",
                                         "*github.com/cert-manager/*",
                                         "*github.com/cilium/*",
                                         "*github.com/projectcalico/*",
                                         "*github.com/traefik/*",
                                         "*github.com/hashicorp/*",
                                         "*github.com/etcd-io/*",
                                         "*github.com/coredns/*",
                                         "*github.com/redis/*",
                                         "*github.com/valkey-io/*",
                                         "*github.com/minio/*",
                                         "*github.com/nats-io/*",
                                         "*github.com/fluent/*",
                                         "*github.com/strimzi/*",
                                         "*github.com/keycloak/*",
                                         "*github.com/jenkinsci/*",
                                         "*github.com/vectordotdev/*",
                                         "*github.com/thanos-io/*",
                                         "*github.com/kedacore/*",
                                         "*github.com/kyverno/*",
                                         "*github.com/open-policy-agent/*"};
// org.opencontainers.image.title of infrastructure (lower-case).
constexpr sv kInfrastructureTitles[] = {"opensearch", "apache kafka",  "kafka",
                                        "prometheus", "alertmanager",  "opentelemetry collector",
                                        "otelcol",    "elasticsearch", "logstash",
                                        "kibana",     "grafana",       "jaeger",
                                        "keycloak",   "zookeeper",     "cassandra",
                                        "rabbitmq",   "redis",         "valkey",
                                        "postgresql", "mysql",         "mariadb",
                                        "mongodb",    "envoy",         "traefik",
                                        "consul",     "vault",         "etcd",
                                        "coredns",    "minio",         "nats",
                                        "fluent bit", "fluentd",       "vector",
                                        "jenkins",    "sonarqube",     "nexus"};

bool Printable(std::string_view value) {
  return value.size() <= 40 && std::all_of(value.begin(), value.end(), [](char c) {
           return std::isprint(static_cast<unsigned char>(c)) != 0;
         });
}

bool RuntimeKey(std::string_view name) {
  if (name == "JAVA_HOME") return true;
  return std::any_of(LanguageProfiles().begin(), LanguageProfiles().end(), [&](const auto* p) {
    const Names keys = p->detection.image_env;
    return std::find(keys.begin(), keys.end(), name) != keys.end();
  });
}

// The command the container starts with the image's Entrypoint and Cmd.
Words Effective(const ContainerView& c, const ImageFacts& f) {
  return EffectiveArgv(f, c.command, c.args);
}

}  // namespace

ContainerView ImageConfigView(const ContainerView& c, const ImageFacts& f) {
  ContainerView v;
  v.name = c.name;
  v.role = c.role;
  for (const std::string& entry : f.env) {
    const std::string name = entry.substr(0, entry.find('='));
    if (name.empty() || name == "PATH") continue;
    const bool manifest_sets = std::any_of(c.env.begin(), c.env.end(),
                                           [&](const EnvVarView& e) { return e.name == name; });
    if (!manifest_sets) v.env.push_back({name, {}, false});
  }
  if (c.command.empty()) v.command = ExpandedArgv(Effective(c, f), f);
  return v;
}

std::string ImageEnvEvidence(std::string_view name, const ImageFacts& f) {
  if (RuntimeKey(name)) {
    if (const std::string* entry = EnvValue(f.env, name)) {
      const std::string_view value = std::string_view(*entry).substr(name.size() + 1);
      if (Printable(value)) return fmt::format("image config env {}={}", name, value);
    }
  }
  return fmt::format("image config env {}", name);
}

std::optional<std::string> ImageInfrastructure(const ContainerView& c, const ImageFacts& f) {
  for (const auto& [key, value] : f.labels) {
    const bool source =
        key == "org.opencontainers.image.source" || key == "org.opencontainers.image.url";
    if (!source && key != "org.opencontainers.image.title") continue;
    const std::string v = ToLower(value);
    if (source) {
      for (sv glob : kInfrastructureSources) {
        if (GlobMatch(glob, v)) return fmt::format("image label {}={}", key, value);
      }
    } else if (key == "org.opencontainers.image.title" &&
               std::find(std::begin(kInfrastructureTitles), std::end(kInfrastructureTitles), v) !=
                   std::end(kInfrastructureTitles)) {
      return fmt::format("image label {}={}", key, value);
    }
  }
  // Any command the image starts; past an entrypoint script ("/__cacert_entrypoint.sh",
  // "/entrypoint.sh"), which usually runs its arguments.
  for (const Words& command : StartedCommands(Effective(c, f), f)) {
    for (const std::string& word : command) {
      const std::string path = ToLower(word);
      const std::string name(Basename(path));
      const bool program =
          std::find(std::begin(kInfrastructurePrograms), std::end(kInfrastructurePrograms), name) !=
          std::end(kInfrastructurePrograms);
      if (program || std::any_of(std::begin(kInfrastructurePaths), std::end(kInfrastructurePaths),
                                 [&](sv glob) { return GlobMatch(glob, path); })) {
        return fmt::format("image starts {}", word);
      }
      if (name.find("entrypoint") == std::string::npos) break;
    }
  }
  return std::nullopt;
}

EntryBinaryEvidence ReadEntryBinary(const ContainerView& c, const ImageFacts& f) {
  EntryBinaryEvidence out;
  if (!f.entry_binary || f.entry_binary->path.empty()) return out;
  const BinaryFacts& bin = *f.entry_binary;
  // The libc is the image's, whichever program the manifest starts.
  if (!bin.interpreter.empty()) {
    out.musl = bin.interpreter.find("musl") != std::string::npos;
    out.libc_evidence = fmt::format("image binary {} links {} ({})", bin.path, bin.interpreter,
                                    *out.musl ? "musl" : "glibc");
  }
  // Go only when the binary is what this container starts (a manifest command may run another).
  const auto candidates = ProgramCandidates(Effective(c, f), f);
  if (bin.go_build_info &&
      std::find(candidates.begin(), candidates.end(), bin.path) != candidates.end()) {
    out.go_exe = bin.path;
    out.go_evidence =
        bin.go_version.empty() || !Printable(bin.go_version)
            ? fmt::format("image binary {} has Go build info", bin.path)
            : fmt::format("image binary {} has Go build info ({})", bin.path, bin.go_version);
  }
  return out;
}

std::vector<std::pair<Language, std::string>> HistoryHints(const ImageFacts& f) {
  std::vector<std::pair<Language, std::string>> out;
  std::vector<std::string> history;
  for (const std::string& h : f.history) history.push_back(ToLower(h));
  for (const LanguageProfile* profile : LanguageProfiles()) {
    for (sv word : profile->detection.history_words) {
      const bool found = std::any_of(history.begin(), history.end(), [&](const std::string& h) {
        return h.find(word) != std::string::npos;
      });
      if (found) {
        out.emplace_back(profile->language, fmt::format("image history \"{}\"", word));
        break;
      }
    }
  }
  return out;
}

}  // namespace traceassist::instrument
