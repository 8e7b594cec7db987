// Rust: detected and reported; the Operator cannot instrument it.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kWeakImages[] = {"rust"};
constexpr sv kEnv[] = {"RUST_BACKTRACE"};

}  // namespace

extern constinit const LanguageProfile kRustProfile = [] {
  LanguageProfile p{};
  p.language = Language::kRust;
  p.name = "rust";
  p.detection.weak_images = kWeakImages;
  p.detection.env = kEnv;
  return p;
}();

}  // namespace traceassist::instrument
