#include "language_profile_test.h"

using namespace traceassist::instrument;
using namespace traceassist::instrument::testing;

TEST_CASE("dotnet: images, the dotnet launcher and ASPNETCORE_ names point to it",
          "[language][dotnet]") {
  CheckNames(Language::kDotnet, "dotnet");
  CHECK(ParseLanguage(".NET") == Language::kDotnet);
  CHECK(Detect(App("mcr.microsoft.com/dotnet/aspnet:8.0")).language == Language::kDotnet);
  CHECK(Detect(App("registry.example/shop/pay:1", {"dotnet", "Pay.dll"})).language ==
        Language::kDotnet);
}

TEST_CASE("dotnet: musl runtime annotation; OTEL_DOTNET_AUTO_HOME skips", "[language][dotnet]") {
  const Decision musl = DecideOne(App("mcr.microsoft.com/dotnet/aspnet:8.0-alpine"));
  const std::string* runtime =
      Annotation(musl, "instrumentation.opentelemetry.io/otel-dotnet-auto-runtime");
  REQUIRE(runtime != nullptr);
  CHECK(*runtime == "linux-musl-x64");
  ContainerView c = App("mcr.microsoft.com/dotnet/aspnet:8.0");
  c.env.push_back({"OTEL_DOTNET_AUTO_HOME", "/otel", false});
  CHECK(DecideOne(c).report.containers[0].reason == "dotnet_auto_home_set");
}
