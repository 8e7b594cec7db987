// Built-in signals that point to no language: infrastructure, sidecars, base images, utilities,
// wrappers. Each language's own signals are in its profile (src/languages/<lang>.cc). Prefer
// signals that generalise: official runtime images, the variables a runtime itself reads, the
// program a container starts. A custom image with nothing else to go on is "unknown", never a
// guess.
#include "detector_rules.h"

namespace traceassist::instrument::rules {
namespace {

using sv = std::string_view;

constexpr sv kInfrastructure[] = {
    // databases, caches, brokers, search
    "redis", "bitnami/redis*", "redis/redis-stack*", "valkey/valkey", "postgres",
    "bitnami/postgresql*", "postgis/postgis", "mysql", "bitnami/mysql", "mariadb",
    "bitnami/mariadb*", "mongo", "bitnami/mongodb*", "memcached", "bitnami/memcached", "rabbitmq",
    "bitnami/rabbitmq", "confluentinc/*", "bitnami/kafka", "wurstmeister/*", "apache/kafka*",
    "zookeeper", "bitnami/zookeeper", "elasticsearch", "docker.elastic.co/*", "opensearchproject/*",
    "cassandra", "bitnami/cassandra", "couchbase*", "influxdb", "nats", "nats-streaming", "etcd",
    "quay.io/coreos/etcd", "bitnami/etcd", "minio/*", "cockroachdb/*", "clickhouse/*", "neo4j",
    "couchdb", "apache/couchdb",
    // service meshes, proxies, gateways
    "istio/*", "docker.io/istio/*", "envoyproxy/*", "linkerd/*", "cr.l5d.io/*", "traefik",
    "haproxy", "haproxytech/*", "kong", "kong/*", "cloud-sql-proxy", "*/cloudsql-docker/gce-proxy",
    "*/cloud-sql-connectors/cloud-sql-proxy", "oauth2-proxy/*", "*/oauth2-proxy/oauth2-proxy",
    "ingress-nginx/*", "nginx/nginx-ingress", "*/ingress-nginx/controller",
    // observability and agents
    "prom/*", "quay.io/prometheus/*", "prometheus", "grafana/*", "jaegertracing/*",
    "otel/opentelemetry-collector*", "*/opentelemetry-collector*", "fluent/*", "fluentd",
    "*/fluent-bit", "datadog/agent", "gcr.io/datadoghq/*", "sysdig/*", "newrelic/*", "elastic/*",
    "timberio/vector", "openzipkin/*",
    // platform components and tools
    "registry.k8s.io/*", "k8s.gcr.io/*", "coredns/*", "hashicorp/*", "vault", "consul",
    "quay.io/jetstack/*", "jetstack/*", "kiwigrid/k8s-sidecar", "bitnami/kubectl",
    "curlimages/curl", "busybox", "pause",
    // operators, controllers and platform services that are runtimes' applications themselves
    "quay.io/prometheus-operator/*", "fluxcd/*", "ghcr.io/fluxcd/*", "argoproj/*",
    "quay.io/argoproj/*", "calico/*", "quay.io/calico/*", "quay.io/tigera/*", "cilium/*",
    "quay.io/cilium/*", "jenkins/jenkins", "keycloak/keycloak", "quay.io/keycloak/*", "strimzi/*",
    "quay.io/strimzi/*", "apache/airflow", "velero/*", "ghcr.io/dexidp/*",
    "*/sealed-secrets-controller", "mcr.microsoft.com/mssql/*", "sonatype/nexus3",
    "bitnami/jmx-exporter",
    // agents' own images: the Operator's and other vendors' injection images, diagnostics sidecars
    "*autoinstrumentation-*", "datadog/*", "*/dd-lib-*", "mcr.microsoft.com/dotnet/monitor"};
constexpr sv kSidecarNames[] = {
    "istio-proxy", "istio-init",       "linkerd-proxy",   "linkerd-init",
    "envoy",       "envoy-sidecar",    "cloud-sql-proxy", "cloudsql-proxy",
    "vault-agent", "vault-agent-init", "otc-container",   "fluent-bit",
    "fluentd",     "oauth2-proxy",     "datadog-agent",   "config-reloader"};
constexpr sv kBaseImages[] = {"alpine",
                              "debian",
                              "ubuntu",
                              "busybox",
                              "scratch",
                              "centos",
                              "fedora",
                              "rockylinux",
                              "almalinux",
                              "amazonlinux",
                              "oraclelinux",
                              "archlinux",
                              "opensuse/*",
                              "distroless/static*",
                              "distroless/base*",
                              "distroless/cc*",
                              "chainguard/static",
                              "chainguard/wolfi-base",
                              "*/ubi*/ubi",
                              "*/ubi*/ubi-minimal",
                              "*/ubi*/ubi-micro",
                              "redhat/ubi*",
                              "photon",
                              "clearlinux",
                              "bash"};
constexpr sv kUtilities[] = {"sleep",    "echo",  "cat",   "wget",     "curl",  "true", "tail",
                             "printenv", "env",   "ls",    "nslookup", "ping",  "dig",  "chmod",
                             "chown",    "cp",    "mv",    "mkdir",    "rm",    "tar",  "kubectl",
                             "git",      "rsync", "touch", "until",    "while", "for",  "ln",
                             "install",  "unzip", "gzip",  "find",     "sed",   "test", "["};
constexpr sv kShells[] = {"sh", "bash", "ash", "dash", "zsh", "ksh"};
// docker-entrypoint.sh: the official images' entrypoint, which runs its arguments.
constexpr sv kWrappers[] = {"exec",    "env",  "nohup", "tini", "dumb-init",           "gosu",
                            "su-exec", "nice", "time",  "--",   "docker-entrypoint.sh"};
constexpr sv kInterpreterOptions[] = {"-m", "-jar", "-cp", "-classpath", "-r",  "--require",
                                      "-e", "-c",   "run", "start",      "exec"};

}  // namespace

std::span<const std::string_view> InfrastructureImages() { return kInfrastructure; }
std::span<const std::string_view> SidecarNames() { return kSidecarNames; }
std::span<const std::string_view> BaseImages() { return kBaseImages; }
std::span<const std::string_view> Utilities() { return kUtilities; }
std::span<const std::string_view> Shells() { return kShells; }
std::span<const std::string_view> Wrappers() { return kWrappers; }
std::span<const std::string_view> InterpreterOptions() { return kInterpreterOptions; }

}  // namespace traceassist::instrument::rules
