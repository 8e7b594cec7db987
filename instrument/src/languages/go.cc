// Go: the Operator's inject-go (off by default, a privileged eBPF sidecar). Its target
// executable, single-container and shareProcessNamespace rules are in policy.cc.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kAliases[] = {"golang"};
// Go binaries usually run from scratch/distroless/alpine, so the image is a weak hint at best. The
// runtime's variables (GOMAXPROCS, GOMEMLIMIT, GOGC) are set on Go infrastructure as often as on
// applications (flagd, operators, collectors): they only support other Go evidence, never name Go
// on their own, so they never bring the privileged Go sidecar.
constexpr sv kWeakImages[] = {"golang"};
constexpr sv kEnvSupporting[] = {"GOMAXPROCS", "GOMEMLIMIT", "GOGC", "GODEBUG", "GOTRACEBACK"};
constexpr sv kTokens[] = {"golang"};

// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"go build", "go install"};

}  // namespace

extern constinit const LanguageProfile kGoProfile = [] {
  LanguageProfile p{};
  p.language = Language::kGo;
  p.name = "go";
  p.aliases = kAliases;
  p.detection.weak_images = kWeakImages;
  p.detection.env_supporting = kEnvSupporting;
  p.detection.image_tokens = kTokens;
  p.detection.history_words = kHistory;
  p.operator_injection = true;
  p.enabled_by = &Options::enable_go;
  p.disabled_reason = Reason::kGoDisabled;
  p.container_names_key = "go-container-names";
  return p;
}();

}  // namespace traceassist::instrument
