// Erlang and Elixir (the BEAM): detected and reported; the Operator cannot instrument them.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kAliases[] = {"elixir", "beam"};
constexpr sv kImages[] = {"erlang", "elixir", "hexpm/elixir", "hexpm/erlang",
                          "bitwalker/alpine-elixir*"};
constexpr sv kEnvStrong[] = {"ERL_AFLAGS", "ERL_FLAGS", "ELIXIR_ERL_OPTIONS", "RELEASE_COOKIE"};
constexpr sv kEnv[] = {"MIX_ENV", "PHX_HOST", "PHX_SERVER"};
constexpr sv kLaunchers[] = {"erl", "elixir", "iex", "mix", "beam.smp", "rebar3"};
constexpr sv kFiles[] = {".beam", ".exs"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"OTP_VERSION", "ELIXIR_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"mix release", "rebar3"};

}  // namespace

extern constinit const LanguageProfile kErlangProfile = [] {
  LanguageProfile p{};
  p.language = Language::kErlang;
  p.name = "erlang";
  p.aliases = kAliases;
  p.detection.images = kImages;
  p.detection.env_strong = kEnvStrong;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  return p;
}();

}  // namespace traceassist::instrument
