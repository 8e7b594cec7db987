// Apache httpd: the Operator's inject-apache-httpd.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kAliases[] = {"httpd", "apache"};
constexpr sv kImages[] = {"httpd", "bitnami/apache"};
constexpr sv kLaunchers[] = {"httpd", "httpd-foreground", "apachectl"};
constexpr sv kMounts[] = {"/usr/local/apache2"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"HTTPD_VERSION"};

}  // namespace

extern constinit const LanguageProfile kApacheHttpdProfile = [] {
  LanguageProfile p{};
  p.language = Language::kApacheHttpd;
  p.name = "apache-httpd";
  p.aliases = kAliases;
  p.detection.images = kImages;
  p.detection.launchers = kLaunchers;
  p.detection.mount_prefixes = kMounts;
  p.detection.image_env = kImageEnv;
  p.operator_injection = true;
  p.container_names_key = "apache-httpd-container-names";
  return p;
}();

}  // namespace traceassist::instrument
