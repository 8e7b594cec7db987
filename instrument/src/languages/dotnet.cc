// .NET: the Operator's inject-dotnet; musl images need otel-dotnet-auto-runtime.
#include <algorithm>
#include <cctype>

#include "../language_profile.h"
#include "../match.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

// .NET configuration reads "Section__Key" variables as "Section:Key". Counted in its PascalCase
// form ("Logging__LogLevel__Default", "Kestrel__Endpoints__Http__Url") or as ConnectionStrings in
// any case: all-upper "AIRFLOW__CORE__EXECUTOR" (Airflow, pydantic settings) and lower-case
// "database__host" (nconf) are other frameworks' conventions.
bool DotnetConfigurationKey(std::string_view name) {
  constexpr std::string_view kConnectionStrings = "connectionstrings__";
  if (name.size() > kConnectionStrings.size() &&
      ToLower(name.substr(0, kConnectionStrings.size())) == kConnectionStrings)
    return true;
  if (name.find("__") == std::string_view::npos) return false;
  bool lower = false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find("__", start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || !std::isupper(static_cast<unsigned char>(part[0]))) return false;
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c))) return false;
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    }
    start = end + 2;
  }
  return lower;
}

constexpr sv kAliases[] = {".net", "net", "csharp"};
constexpr sv kImages[] = {"mcr.microsoft.com/dotnet/aspnet",
                          "mcr.microsoft.com/dotnet/runtime",
                          "mcr.microsoft.com/dotnet/runtime-deps",
                          "microsoft/dotnet",
                          "microsoft/aspnetcore",
                          "mcr.microsoft.com/dotnet/core/*"};
constexpr sv kWeakImages[] = {"mcr.microsoft.com/dotnet/sdk"};
constexpr sv kEnvStrong[] = {"ASPNETCORE_*"};
constexpr sv kEnv[] = {"DOTNET_*", "COMPlus_*", "CORECLR_*"};
constexpr sv kLaunchers[] = {"dotnet"};
constexpr sv kFiles[] = {".dll"};
constexpr sv kTokens[] = {"dotnet", "aspnet", "aspnetcore", "netcore", "csharp"};
constexpr sv kAppendedEnv[] = {"DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS",
                               "DOTNET_SHARED_STORE"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"DOTNET_VERSION", "ASPNET_VERSION", "ASPNETCORE_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"dotnet "};

}  // namespace

extern constinit const LanguageProfile kDotnetProfile = [] {
  LanguageProfile p{};
  p.language = Language::kDotnet;
  p.name = "dotnet";
  p.aliases = kAliases;
  p.detection.images = kImages;
  p.detection.weak_images = kWeakImages;
  p.detection.env_strong = kEnvStrong;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.image_tokens = kTokens;
  p.detection.env_convention = DotnetConfigurationKey;
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  p.operator_injection = true;
  p.init_containers = true;
  p.container_names_key = "dotnet-container-names";
  p.appended_env = kAppendedEnv;
  p.skip_if_env = "OTEL_DOTNET_AUTO_HOME";
  p.skip_reason = Reason::kDotnetAutoHomeSet;
  p.musl = PlatformAnnotation{"otel-dotnet-auto-runtime", "linux-musl-x64"};
  return p;
}();

}  // namespace traceassist::instrument
