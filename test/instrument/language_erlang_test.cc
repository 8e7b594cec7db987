#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("erlang: Erlang and Elixir images, launchers and variables; never annotated",
          "[language][erlang]") {
  CheckNames(Language::kErlang, "erlang");
  CHECK(ParseLanguage("elixir") == Language::kErlang);
  CHECK(Detect(App("elixir:1.16")).language == Language::kErlang);
  CHECK(Detect(App("hexpm/elixir:1.16.2-erlang-26.2.5-alpine-3.19.1")).language ==
        Language::kErlang);
  CHECK(Detect(App("registry.example/shop/chat:1", {"/app/bin/chat", "start"},
                   {"RELEASE_COOKIE", "PHX_HOST"}))
            .language == Language::kErlang);
  CHECK_FALSE(FindProfile(Language::kErlang)->operator_injection);
  const Decision d = DecideOne(App("elixir:1.16"));
  CHECK(d.set.empty());
  CHECK(d.report.containers[0].reason == "language_unsupported");
}
