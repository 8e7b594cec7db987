// Shared helpers for the per-language tests (language_<lang>_test.cc): each checks its profile's
// detection rules and what the policy writes for it.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "language_profile.h"
#include "traceassist/instrument/detector.h"
#include "traceassist/instrument/policy.h"

namespace traceassist::instrument::testing {

inline ContainerView App(std::string image, std::vector<std::string> command = {},
                         std::vector<std::string> env = {}) {
  ContainerView c;
  c.name = "app";
  c.image = std::move(image);
  c.command = std::move(command);
  for (auto& name : env) c.env.push_back({std::move(name), "", false});
  return c;
}

inline Detection Detect(const ContainerView& c) { return DetectLanguage(c, nullptr); }

// What Decide writes for one container with everything the language needs turned on.
inline Decision DecideOne(ContainerView c) {
  WorkloadView w;
  w.kind = "Deployment";
  w.name = "cart";
  w.has_template = true;
  w.containers = {std::move(c)};
  Options options;
  options.enable_go = options.enable_nginx = true;
  return Decide(w, options);
}

inline const std::string* Annotation(const Decision& d, std::string_view key) {
  for (const auto& [k, v] : d.set) {
    if (k == key) return &v;
  }
  return nullptr;
}

// The profile names itself consistently: ToString/ParseLanguage round-trip, aliases parse.
inline void CheckNames(Language language, std::string_view name) {
  const LanguageProfile* profile = FindProfile(language);
  REQUIRE(profile != nullptr);
  CHECK(profile->language == language);
  CHECK(ToString(language) == name);
  CHECK(ParseLanguage(name) == language);
  for (std::string_view alias : profile->aliases) CHECK(ParseLanguage(alias) == language);
}

}  // namespace traceassist::instrument::testing
