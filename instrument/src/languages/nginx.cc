// nginx: the Operator's inject-nginx (off by default).
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kImages[] = {"nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx",
                          "nginxinc/nginx-*"};
constexpr sv kLaunchers[] = {"nginx"};
constexpr sv kMounts[] = {"/etc/nginx", "/usr/share/nginx"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"NGINX_VERSION"};

}  // namespace

extern constinit const LanguageProfile kNginxProfile = [] {
  LanguageProfile p{};
  p.language = Language::kNginx;
  p.name = "nginx";
  p.detection.images = kImages;
  p.detection.launchers = kLaunchers;
  p.detection.mount_prefixes = kMounts;
  p.detection.image_env = kImageEnv;
  p.operator_injection = true;
  p.enabled_by = &Options::enable_nginx;
  p.disabled_reason = Reason::kNginxDisabled;
  // nginx is the odd one out (annotations doc §2).
  p.container_names_key = "inject-nginx-container-names";
  return p;
}();

}  // namespace traceassist::instrument
