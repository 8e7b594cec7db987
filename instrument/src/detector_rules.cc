// Built-in detection signals. Prefer signals that generalise: official runtime images, the
// variables a runtime itself reads, the program a container starts. A custom image with nothing
// else to go on is "unknown", never a guess.
#include "detector_rules.h"

namespace traceassist::instrument::rules {
namespace {

using sv = std::string_view;

// --- Java ---------------------------------------------------------------------------------------
constexpr sv kJavaImages[] = {"eclipse-temurin",
                              "openjdk",
                              "amazoncorretto",
                              "ibm-semeru-runtimes",
                              "azul/zulu-openjdk*",
                              "bellsoft/liberica*",
                              "distroless/java*",
                              "tomcat",
                              "jetty",
                              "*/openjdk-*",
                              "adoptopenjdk*",
                              "sapmachine",
                              "open-liberty",
                              "websphere-liberty",
                              "jboss/wildfly",
                              "quay.io/wildfly/wildfly",
                              "payara/server-*",
                              "ibmjava",
                              "sapjvm*",
                              "graalvm/*",
                              "ghcr.io/graalvm/*",
                              "*/java-runtime*"};
constexpr sv kJavaWeakImages[] = {"maven", "gradle", "openliberty/*"};
constexpr sv kJavaEnvStrong[] = {"JAVA_TOOL_OPTIONS",      "JDK_JAVA_OPTIONS",
                                 "_JAVA_OPTIONS",          "CATALINA_OPTS",
                                 "SPRING_PROFILES_ACTIVE", "SPRING_APPLICATION_JSON"};
constexpr sv kJavaEnv[] = {"JAVA_OPTS", "JAVA_HOME",   "JVM_OPTS",      "SPRING_*",
                           "QUARKUS_*", "MICRONAUT_*", "CATALINA_HOME", "JAVA_ARGS"};
constexpr sv kJavaLaunchers[] = {"java", "javaw", "catalina.sh", "standalone.sh"};
constexpr sv kJavaFiles[] = {".jar", ".war"};
constexpr sv kJavaProbes[] = {"/actuator/"};
constexpr sv kJavaMounts[] = {"/opt/ibm/wlp", "/usr/local/tomcat", "/opt/jboss"};

// --- Node.js ------------------------------------------------------------------------------------
constexpr sv kNodeImages[] = {"node", "distroless/nodejs*", "chainguard/node*", "bitnami/node",
                              "mhart/alpine-node"};
constexpr sv kNodeEnvStrong[] = {"NODE_OPTIONS"};
constexpr sv kNodeEnv[] = {"NODE_ENV", "NPM_CONFIG_*", "UV_THREADPOOL_SIZE"};
constexpr sv kNodeLaunchers[] = {"node", "nodejs", "npm",         "npx",    "yarn",
                                 "pnpm", "pm2",    "pm2-runtime", "nodemon"};
constexpr sv kNodeFiles[] = {".js", ".mjs", ".cjs"};
constexpr sv kNodeMounts[] = {"/app/node_modules"};

// --- Python -------------------------------------------------------------------------------------
constexpr sv kPythonImages[] = {"python", "distroless/python3*", "tiangolo/uvicorn-gunicorn*",
                                "tiangolo/meinheld-gunicorn*", "pypy"};
constexpr sv kPythonWeakImages[] = {"bitnami/python"};
constexpr sv kPythonEnvStrong[] = {"DJANGO_SETTINGS_MODULE", "FLASK_APP", "GUNICORN_CMD_ARGS"};
constexpr sv kPythonEnv[] = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH",
                             "PYTHONHASHSEED", "PYTHONIOENCODING"};
constexpr sv kPythonLaunchers[] = {"python",    "python3", "python2", "gunicorn",
                                   "uvicorn",   "celery",  "flask",   "django-admin",
                                   "hypercorn", "daphne",  "locust",  "streamlit"};
constexpr sv kPythonFiles[] = {".py"};

// --- .NET ---------------------------------------------------------------------------------------
constexpr sv kDotnetImages[] = {"mcr.microsoft.com/dotnet/aspnet",
                                "mcr.microsoft.com/dotnet/runtime",
                                "mcr.microsoft.com/dotnet/runtime-deps",
                                "microsoft/dotnet",
                                "microsoft/aspnetcore",
                                "mcr.microsoft.com/dotnet/core/*"};
constexpr sv kDotnetWeakImages[] = {"mcr.microsoft.com/dotnet/sdk"};
constexpr sv kDotnetEnvStrong[] = {"ASPNETCORE_*"};
constexpr sv kDotnetEnv[] = {"DOTNET_*", "COMPlus_*", "CORECLR_*"};
constexpr sv kDotnetLaunchers[] = {"dotnet"};
constexpr sv kDotnetFiles[] = {".dll"};

// --- Go -----------------------------------------------------------------------------------------
// Go binaries usually run from scratch/distroless/alpine, so the image is a weak hint at best.
constexpr sv kGoWeakImages[] = {"golang"};
constexpr sv kGoEnv[] = {"GOMAXPROCS", "GOMEMLIMIT", "GOGC", "GODEBUG", "GOTRACEBACK"};

// --- nginx --------------------------------------------------------------------------------------
constexpr sv kNginxImages[] = {"nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx",
                               "nginxinc/nginx-*"};
constexpr sv kNginxLaunchers[] = {"nginx"};
constexpr sv kNginxMounts[] = {"/etc/nginx", "/usr/share/nginx"};

// --- Apache httpd -------------------------------------------------------------------------------
constexpr sv kHttpdImages[] = {"httpd", "bitnami/apache"};
constexpr sv kHttpdLaunchers[] = {"httpd", "httpd-foreground", "apachectl"};
constexpr sv kHttpdMounts[] = {"/usr/local/apache2"};

// --- Languages the Operator cannot instrument: named, never annotated --------------------------
constexpr sv kRubyImages[] = {"ruby", "bitnami/ruby"};
constexpr sv kRubyEnvStrong[] = {"RAILS_ENV", "RACK_ENV"};
constexpr sv kRubyEnv[] = {"BUNDLE_*", "RUBYOPT"};
constexpr sv kRubyLaunchers[] = {"ruby",    "bundle",  "rails",  "puma",
                                 "unicorn", "sidekiq", "rackup", "rake"};
constexpr sv kRubyFiles[] = {".rb"};
constexpr sv kPhpImages[] = {"php", "bitnami/php-fpm", "wordpress", "drupal"};
constexpr sv kPhpEnv[] = {"PHP_*"};
constexpr sv kPhpLaunchers[] = {"php", "php-fpm", "apache2-foreground", "artisan"};
constexpr sv kPhpFiles[] = {".php"};
constexpr sv kRustWeakImages[] = {"rust"};
constexpr sv kRustEnv[] = {"RUST_BACKTRACE"};

constexpr LanguageSignals kLanguages[] = {
    {Language::kJava, kJavaImages, kJavaWeakImages, kJavaEnvStrong, kJavaEnv, kJavaLaunchers,
     kJavaFiles, kJavaProbes, kJavaMounts},
    {Language::kNodejs,
     kNodeImages,
     {},
     kNodeEnvStrong,
     kNodeEnv,
     kNodeLaunchers,
     kNodeFiles,
     {},
     kNodeMounts},
    {Language::kPython,
     kPythonImages,
     kPythonWeakImages,
     kPythonEnvStrong,
     kPythonEnv,
     kPythonLaunchers,
     kPythonFiles,
     {},
     {}},
    {Language::kDotnet,
     kDotnetImages,
     kDotnetWeakImages,
     kDotnetEnvStrong,
     kDotnetEnv,
     kDotnetLaunchers,
     kDotnetFiles,
     {},
     {}},
    {Language::kGo, {}, kGoWeakImages, {}, kGoEnv, {}, {}, {}, {}},
    {Language::kNginx, kNginxImages, {}, {}, {}, kNginxLaunchers, {}, {}, kNginxMounts},
    {Language::kApacheHttpd, kHttpdImages, {}, {}, {}, kHttpdLaunchers, {}, {}, kHttpdMounts},
    {Language::kRuby,
     kRubyImages,
     {},
     kRubyEnvStrong,
     kRubyEnv,
     kRubyLaunchers,
     kRubyFiles,
     {},
     {}},
    {Language::kPhp, kPhpImages, {}, {}, kPhpEnv, kPhpLaunchers, kPhpFiles, {}, {}},
    {Language::kRust, {}, kRustWeakImages, {}, kRustEnv, {}, {}, {}, {}},
    {Language::kCpp, {}, {}, {}, {}, {}, {}, {}, {}},
};

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
    "curlimages/curl", "busybox", "pause"};
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
                             "git",      "rsync", "touch", "until",    "while", "for"};
constexpr sv kShells[] = {"sh", "bash", "ash", "dash", "zsh", "ksh"};

}  // namespace

std::span<const LanguageSignals> Languages() { return kLanguages; }
std::span<const std::string_view> InfrastructureImages() { return kInfrastructure; }
std::span<const std::string_view> SidecarNames() { return kSidecarNames; }
std::span<const std::string_view> BaseImages() { return kBaseImages; }
std::span<const std::string_view> Utilities() { return kUtilities; }
std::span<const std::string_view> Shells() { return kShells; }

}  // namespace traceassist::instrument::rules
