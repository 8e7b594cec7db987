// The list of language profiles. Order is Language enumerator order: detection breaks ties and
// names runners-up in this order.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

constexpr const LanguageProfile* kProfiles[] = {
    &kJavaProfile, &kNodejsProfile, &kPythonProfile,      &kDotnetProfile,
    &kGoProfile,   &kNginxProfile,  &kApacheHttpdProfile, &kRubyProfile,
    &kPhpProfile,  &kRustProfile,   &kCppProfile,         &kErlangProfile,
};
// The first profile's enumerator: kUnknown and kNone come before it.
constexpr auto kFirst = static_cast<std::size_t>(Language::kJava);

}  // namespace

std::span<const LanguageProfile* const> LanguageProfiles() { return kProfiles; }

const LanguageProfile* FindProfile(Language language) {
  const auto i = static_cast<std::size_t>(language);
  if (i < kFirst || i - kFirst >= std::size(kProfiles)) return nullptr;
  return kProfiles[i - kFirst];
}

}  // namespace traceassist::instrument
