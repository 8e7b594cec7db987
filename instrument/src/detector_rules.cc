// Built-in detection signals. Prefer signals that generalise: official runtime images, the
// variables a runtime itself reads, the program a container starts. A custom image with nothing
// else to go on is "unknown", never a guess.
#include "detector_rules.h"

#include <cctype>

namespace traceassist::instrument::rules {
namespace {

using sv = std::string_view;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

// .NET configuration reads "Section__Key" variables as "Section:Key". Counted in its PascalCase
// form ("Logging__LogLevel__Default", "Kestrel__Endpoints__Http__Url") or as ConnectionStrings in
// any case: all-upper "AIRFLOW__CORE__EXECUTOR" (Airflow, pydantic settings) and lower-case
// "database__host" (nconf) are other frameworks' conventions.
bool DotnetConfigurationKey(std::string_view name) {
  if (StartsWithNoCase(name, "ConnectionStrings__") && name.size() > 19) return true;
  if (name.find("__") == std::string_view::npos) return false;
  bool lower = false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find("__", start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || !std::isupper(static_cast<unsigned char>(part[0]))) return false;
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c))) return false;
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    }
    start = end + 2;
  }
  return lower;
}

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
constexpr sv kJavaWeakImages[] = {"maven", "gradle", "openliberty/*", "bitnami/tomcat",
                                  "bitnami/wildfly"};
constexpr sv kJavaEnvStrong[] = {"JAVA_TOOL_OPTIONS",      "JDK_JAVA_OPTIONS",
                                 "_JAVA_OPTIONS",          "CATALINA_OPTS",
                                 "SPRING_PROFILES_ACTIVE", "SPRING_APPLICATION_JSON"};
// Spring Boot reads SPRING_* and MANAGEMENT_* (actuator) through relaxed binding, Spring Cloud
// EUREKA_CLIENT_*; JAVA_OPTS_APPEND, JAVA_APP_JAR and JAVA_MAX_MEM_RATIO are the run-java script's
// of the Red Hat and Fabric8 Java images.
constexpr sv kJavaEnv[] = {"JAVA_OPTS",          "JAVA_HOME",        "JVM_OPTS",
                           "SPRING_*",           "QUARKUS_*",        "MICRONAUT_*",
                           "CATALINA_HOME",      "JAVA_ARGS",        "MANAGEMENT_ENDPOINTS_*",
                           "EUREKA_CLIENT_*",    "JAVA_OPTS_APPEND", "JAVA_APP_JAR",
                           "JAVA_MAX_MEM_RATIO", "JBOSS_HOME",       "JETTY_HOME"};
constexpr sv kJavaLaunchers[] = {"java", "javaw", "catalina.sh", "standalone.sh"};
constexpr sv kJavaFiles[] = {".jar", ".war"};
constexpr sv kJavaProbes[] = {"/actuator/"};
constexpr sv kJavaMounts[] = {"/opt/ibm/wlp", "/usr/local/tomcat", "/opt/jboss"};
constexpr sv kJavaTokens[] = {"java",    "jvm",       "jdk",    "jre",     "spring", "springboot",
                              "quarkus", "micronaut", "tomcat", "wildfly", "jboss"};
// An application server's scripts under its home; catalina.sh and standalone.sh anywhere are
// launchers already.
constexpr sv kJavaLauncherPaths[] = {"*/apache-tomcat*/bin/*.sh", "*/tomcat*/bin/startup.sh",
                                     "*/tomcat*/bin/start.sh",    "*/wildfly*/bin/*.sh",
                                     "*/jboss*/bin/*.sh",         "*/bin/domain.sh"};

// --- Node.js ------------------------------------------------------------------------------------
constexpr sv kNodeImages[] = {"node", "distroless/nodejs*", "chainguard/node*", "bitnami/node",
                              "mhart/alpine-node"};
constexpr sv kNodeEnvStrong[] = {"NODE_OPTIONS"};
constexpr sv kNodeEnv[] = {"NODE_ENV", "NPM_CONFIG_*", "UV_THREADPOOL_SIZE"};
constexpr sv kNodeLaunchers[] = {"node", "nodejs", "npm",         "npx",    "yarn",
                                 "pnpm", "pm2",    "pm2-runtime", "nodemon"};
constexpr sv kNodeFiles[] = {".js", ".mjs", ".cjs"};
constexpr sv kNodeMounts[] = {"/app/node_modules"};
// Not "node" (node-exporter, csi-node-driver-registrar) nor "js" (static front ends on nginx).
constexpr sv kNodeTokens[] = {"nodejs", "expressjs", "nestjs", "nextjs"};

// --- Python -------------------------------------------------------------------------------------
constexpr sv kPythonImages[] = {"python", "distroless/python3*", "tiangolo/uvicorn-gunicorn*",
                                "tiangolo/meinheld-gunicorn*", "pypy"};
constexpr sv kPythonWeakImages[] = {"bitnami/python"};
constexpr sv kPythonEnvStrong[] = {"DJANGO_SETTINGS_MODULE", "FLASK_APP", "GUNICORN_CMD_ARGS"};
// PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION is read by Python's protobuf only; LOCUST_* by Locust;
// UVICORN_* and GUNICORN_* by the servers; DJANGO_*, FLASK_* and CELERY_* by the frameworks.
constexpr sv kPythonEnv[] = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
                             "PYTHONPATH",       "PYTHONHASHSEED",
                             "PYTHONIOENCODING", "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION",
                             "LOCUST_*",         "UVICORN_*",
                             "GUNICORN_*",       "DJANGO_*",
                             "FLASK_*",          "CELERY_*"};
// Not "py": cargo, spy, happy-* are words too.
constexpr sv kPythonTokens[] = {"python",   "django",  "flask",  "fastapi",
                                "gunicorn", "uvicorn", "celery", "streamlit"};
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
constexpr sv kDotnetTokens[] = {"dotnet", "aspnet", "aspnetcore", "netcore", "csharp"};

// --- Go -----------------------------------------------------------------------------------------
// Go binaries usually run from scratch/distroless/alpine, so the image is a weak hint at best. The
// runtime's variables (GOMAXPROCS, GOMEMLIMIT, GOGC) are set on Go infrastructure as often as on
// applications (flagd, operators, collectors): they only support other Go evidence, never name Go
// on their own, so they never bring the privileged Go sidecar.
constexpr sv kGoWeakImages[] = {"golang"};
constexpr sv kGoEnvSupporting[] = {"GOMAXPROCS", "GOMEMLIMIT", "GOGC", "GODEBUG", "GOTRACEBACK"};
constexpr sv kGoTokens[] = {"golang"};

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
constexpr sv kRubyEnv[] = {"BUNDLE_*", "RUBYOPT", "RAILS_*"};
constexpr sv kRubyTokens[] = {"ruby", "rails"};
constexpr sv kRubyLaunchers[] = {"ruby",    "bundle",  "rails",  "puma",
                                 "unicorn", "sidekiq", "rackup", "rake"};
constexpr sv kRubyFiles[] = {".rb"};
constexpr sv kPhpImages[] = {"php", "bitnami/php-fpm", "wordpress", "drupal"};
constexpr sv kPhpEnv[] = {"PHP_*"};
constexpr sv kPhpLaunchers[] = {"php", "php-fpm", "apache2-foreground", "artisan"};
constexpr sv kPhpFiles[] = {".php"};
constexpr sv kPhpTokens[] = {"php", "laravel", "symfony"};
constexpr sv kRustWeakImages[] = {"rust"};
constexpr sv kRustEnv[] = {"RUST_BACKTRACE"};

constexpr LanguageSignals kLanguages[] = {
    {.language = Language::kJava,
     .images = kJavaImages,
     .weak_images = kJavaWeakImages,
     .env_strong = kJavaEnvStrong,
     .env = kJavaEnv,
     .launchers = kJavaLaunchers,
     .file_suffixes = kJavaFiles,
     .probe_prefixes = kJavaProbes,
     .mount_prefixes = kJavaMounts,
     .image_tokens = kJavaTokens,
     .launcher_paths = kJavaLauncherPaths},
    {.language = Language::kNodejs,
     .images = kNodeImages,
     .env_strong = kNodeEnvStrong,
     .env = kNodeEnv,
     .launchers = kNodeLaunchers,
     .file_suffixes = kNodeFiles,
     .mount_prefixes = kNodeMounts,
     .image_tokens = kNodeTokens},
    {.language = Language::kPython,
     .images = kPythonImages,
     .weak_images = kPythonWeakImages,
     .env_strong = kPythonEnvStrong,
     .env = kPythonEnv,
     .launchers = kPythonLaunchers,
     .file_suffixes = kPythonFiles,
     .image_tokens = kPythonTokens},
    {.language = Language::kDotnet,
     .images = kDotnetImages,
     .weak_images = kDotnetWeakImages,
     .env_strong = kDotnetEnvStrong,
     .env = kDotnetEnv,
     .launchers = kDotnetLaunchers,
     .file_suffixes = kDotnetFiles,
     .image_tokens = kDotnetTokens,
     .env_convention = DotnetConfigurationKey},
    {.language = Language::kGo,
     .weak_images = kGoWeakImages,
     .env_supporting = kGoEnvSupporting,
     .image_tokens = kGoTokens},
    {.language = Language::kNginx,
     .images = kNginxImages,
     .launchers = kNginxLaunchers,
     .mount_prefixes = kNginxMounts},
    {.language = Language::kApacheHttpd,
     .images = kHttpdImages,
     .launchers = kHttpdLaunchers,
     .mount_prefixes = kHttpdMounts},
    {.language = Language::kRuby,
     .images = kRubyImages,
     .env_strong = kRubyEnvStrong,
     .env = kRubyEnv,
     .launchers = kRubyLaunchers,
     .file_suffixes = kRubyFiles,
     .image_tokens = kRubyTokens},
    {.language = Language::kPhp,
     .images = kPhpImages,
     .env = kPhpEnv,
     .launchers = kPhpLaunchers,
     .file_suffixes = kPhpFiles,
     .image_tokens = kPhpTokens},
    {.language = Language::kRust, .weak_images = kRustWeakImages, .env = kRustEnv},
    {.language = Language::kCpp},
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
constexpr sv kWrappers[] = {"exec", "env",     "nohup", "tini", "dumb-init",
                            "gosu", "su-exec", "nice",  "time", "--"};
constexpr sv kInterpreterOptions[] = {"-m", "-jar", "-cp", "-classpath", "-r",  "--require",
                                      "-e", "-c",   "run", "start",      "exec"};

}  // namespace

std::span<const LanguageSignals> Languages() { return kLanguages; }
std::span<const std::string_view> InfrastructureImages() { return kInfrastructure; }
std::span<const std::string_view> SidecarNames() { return kSidecarNames; }
std::span<const std::string_view> BaseImages() { return kBaseImages; }
std::span<const std::string_view> Utilities() { return kUtilities; }
std::span<const std::string_view> Shells() { return kShells; }
std::span<const std::string_view> Wrappers() { return kWrappers; }
std::span<const std::string_view> InterpreterOptions() { return kInterpreterOptions; }

}  // namespace traceassist::instrument::rules
