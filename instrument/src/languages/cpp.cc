// C++: a name for overrides and user rules only; nothing in a manifest points to it. The Operator
// cannot instrument it.
#include "../language_profile.h"

namespace traceassist::instrument {

extern constinit const LanguageProfile kCppProfile = [] {
  LanguageProfile p{};
  p.language = Language::kCpp;
  p.name = "cpp";
  return p;
}();

}  // namespace traceassist::instrument
