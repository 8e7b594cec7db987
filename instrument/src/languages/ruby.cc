// Ruby: detected and reported; the Operator cannot instrument it.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kImages[] = {"ruby", "bitnami/ruby"};
constexpr sv kEnvStrong[] = {"RAILS_ENV", "RACK_ENV"};
constexpr sv kEnv[] = {"BUNDLE_*", "RUBYOPT", "RAILS_*"};
constexpr sv kTokens[] = {"ruby", "rails"};
constexpr sv kLaunchers[] = {"ruby",    "bundle",  "rails",  "puma",
                             "unicorn", "sidekiq", "rackup", "rake"};
constexpr sv kFiles[] = {".rb"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"RUBY_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"bundle install", "gem install"};

}  // namespace

extern constinit const LanguageProfile kRubyProfile = [] {
  LanguageProfile p{};
  p.language = Language::kRuby;
  p.name = "ruby";
  p.detection.images = kImages;
  p.detection.env_strong = kEnvStrong;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.image_tokens = kTokens;
  p.detection.versioned_program = "ruby";
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  return p;
}();

}  // namespace traceassist::instrument
