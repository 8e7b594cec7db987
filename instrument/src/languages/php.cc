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

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"PHP_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"docker-php-ext", "composer "};

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
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  return p;
}();

}  // namespace traceassist::instrument
