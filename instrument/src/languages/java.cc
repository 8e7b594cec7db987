// Java: the Operator's inject-java (annotations doc §2).
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kImages[] = {"eclipse-temurin",
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
constexpr sv kWeakImages[] = {"maven", "gradle", "openliberty/*", "bitnami/tomcat",
                              "bitnami/wildfly"};
constexpr sv kEnvStrong[] = {"JAVA_TOOL_OPTIONS",      "JDK_JAVA_OPTIONS",
                             "_JAVA_OPTIONS",          "CATALINA_OPTS",
                             "SPRING_PROFILES_ACTIVE", "SPRING_APPLICATION_JSON"};
// Spring Boot reads SPRING_* and MANAGEMENT_* (actuator) through relaxed binding, Spring Cloud
// EUREKA_CLIENT_*; JAVA_OPTS_APPEND, JAVA_APP_JAR and JAVA_MAX_MEM_RATIO are the run-java script's
// of the Red Hat and Fabric8 Java images.
constexpr sv kEnv[] = {"JAVA_OPTS",          "JAVA_HOME",        "JVM_OPTS",
                       "SPRING_*",           "QUARKUS_*",        "MICRONAUT_*",
                       "CATALINA_HOME",      "JAVA_ARGS",        "MANAGEMENT_ENDPOINTS_*",
                       "EUREKA_CLIENT_*",    "JAVA_OPTS_APPEND", "JAVA_APP_JAR",
                       "JAVA_MAX_MEM_RATIO", "JBOSS_HOME",       "JETTY_HOME"};
constexpr sv kLaunchers[] = {"java", "javaw", "catalina.sh", "standalone.sh"};
constexpr sv kFiles[] = {".jar", ".war"};
constexpr sv kProbes[] = {"/actuator/"};
constexpr sv kMounts[] = {"/opt/ibm/wlp", "/usr/local/tomcat", "/opt/jboss"};
constexpr sv kTokens[] = {"java",    "jvm",       "jdk",    "jre",     "spring", "springboot",
                          "quarkus", "micronaut", "tomcat", "wildfly", "jboss"};
// An application server's scripts under its home; catalina.sh and standalone.sh anywhere are
// launchers already.
constexpr sv kLauncherPaths[] = {"*/apache-tomcat*/bin/*.sh", "*/tomcat*/bin/startup.sh",
                                 "*/tomcat*/bin/start.sh",    "*/wildfly*/bin/*.sh",
                                 "*/jboss*/bin/*.sh",         "*/bin/domain.sh"};
constexpr sv kAppendedEnv[] = {"JAVA_TOOL_OPTIONS"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"JAVA_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"openjdk", "mvn ", "gradle", "javac"};

}  // namespace

extern constinit const LanguageProfile kJavaProfile = [] {
  LanguageProfile p{};
  p.language = Language::kJava;
  p.name = "java";
  p.detection.images = kImages;
  p.detection.weak_images = kWeakImages;
  p.detection.env_strong = kEnvStrong;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.probe_prefixes = kProbes;
  p.detection.mount_prefixes = kMounts;
  p.detection.image_tokens = kTokens;
  p.detection.launcher_paths = kLauncherPaths;
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  p.operator_injection = true;
  p.init_containers = true;
  p.container_names_key = "java-container-names";
  p.appended_env = kAppendedEnv;
  return p;
}();

}  // namespace traceassist::instrument
