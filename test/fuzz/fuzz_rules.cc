// libFuzzer target: LoadDetectionRules on arbitrary bytes. When the file is accepted, every rule
// must be well formed (one non-empty pattern, a known language), and detection with those rules
// must run on containers whose image, env and command come from the rules themselves (so that each
// rule is exercised) and answer a known language.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "traceassist/instrument/detector.h"

namespace ti = traceassist::instrument;

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "rules property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto loaded = ti::LoadDetectionRules(input);
  if (!loaded.ok()) {
    if (loaded.status().message().empty()) Fail("an error without a message");
    return 0;
  }
  const auto& rules = *loaded.value();
  for (const auto& rule : rules.rules()) {
    if (rule.pattern.empty()) Fail("a rule with an empty pattern");
    if (rule.language == ti::Language::kUnknown) Fail("a rule for language unknown");
    ti::ContainerView c;
    c.name = "app";
    c.image = rule.pattern + ":1";
    c.env.push_back({rule.pattern, "", false});
    c.command.push_back("/usr/bin/" + rule.pattern);
    const ti::Detection d = ti::DetectLanguage(c, &rules);
    if (d.language != ti::Language::kUnknown && d.evidence.empty())
      Fail("a language without evidence");
  }
  return 0;
}
