// PHP: detected and reported; the Operator cannot instrument it.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kImages[] = {"php", "bitnami/php-fpm", "wordpress", "drupal"};
constexpr sv kEnv[] = {"PHP_*"};
constexpr sv kLaunchers[] = {"php", "php-fpm", "apache2-foreground", "artisan"};
constexpr sv kFiles[] = {".php"};
constexpr sv kTokens[] = {"php", "laravel", "symfony"};

}  // namespace

extern constinit const LanguageProfile kPhpProfile = [] {
  LanguageProfile p{};
  p.language = Language::kPhp;
  p.name = "php";
  p.detection.images = kImages;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.image_tokens = kTokens;
  p.detection.versioned_program = "php";
  return p;
}();

}  // namespace traceassist::instrument
