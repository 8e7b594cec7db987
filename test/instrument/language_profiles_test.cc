// The profile list as a whole: one profile per language, in enumerator order.
#include <set>

#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("every language but unknown and none has exactly one profile", "[language]") {
  CHECK(FindProfile(Language::kUnknown) == nullptr);
  CHECK(FindProfile(Language::kNone) == nullptr);
  std::set<std::string_view> names;
  for (const LanguageProfile* profile : LanguageProfiles()) {
    CAPTURE(profile->name);
    CHECK(FindProfile(profile->language) == profile);
    CHECK(names.insert(profile->name).second);
    if (profile->operator_injection) CHECK_FALSE(profile->container_names_key.empty());
    CHECK(profile->disabled_reason.has_value() == (profile->enabled_by != nullptr));
    CHECK(profile->skip_reason.has_value() == !profile->skip_if_env.empty());
  }
  CHECK(ToString(Language::kNone) == "none");
  CHECK(ParseLanguage("UNKNOWN") == Language::kUnknown);
  CHECK_FALSE(ParseLanguage("cobol").has_value());
}
