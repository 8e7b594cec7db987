// Language detection: user rules, sidecars and infrastructure first; then the signals of the
// container (signal_collector.h) and of its image are scored per language, and the detector answers
// only when one language clearly leads. Ties and silence give "unknown".
#include "traceassist/instrument/detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "detector_rules.h"
#include "image_evidence.h"
#include "language_profile.h"
#include "match.h"
#include "signal_collector.h"

namespace traceassist::instrument {
namespace {

template <typename Range>
bool AnyImage(const Range& patterns, std::string_view repository) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](std::string_view p) { return ImagePatternMatches(p, repository); });
}

int Weight(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return 4;
    case Confidence::kMedium:
      return 2;
    case Confidence::kLow:
      return 1;
    case Confidence::kNone:
      break;
  }
  return 0;
}

// Supporting signals count only beside other evidence for the same language.
void DropLoneSupporting(std::vector<Signal>& signals) {
  std::erase_if(signals, [&](const Signal& s) {
    return s.supporting && std::none_of(signals.begin(), signals.end(), [&](const Signal& o) {
             return o.language == s.language && !o.supporting;
           });
  });
}

// The language the manifest itself names at medium confidence or more (its image, command or env),
// when one leads; the image's hints for other languages then do not count.
std::optional<Language> ManifestLanguage(const std::vector<Signal>& signals) {
  std::map<Language, int> score;
  for (const Signal& s : signals) {
    if (!s.supporting && s.confidence >= Confidence::kMedium)
      score[s.language] += Weight(s.confidence);
  }
  std::optional<Language> best;
  bool tie = false;
  for (const auto& [language, points] : score) {
    if (!best || points > score[*best]) {
      best = language;
      tie = false;
    } else if (points == score[*best]) {
      tie = true;
    }
  }
  return tie ? std::nullopt : best;
}

std::optional<Detection> FromUserRules(const ContainerView& c, const DetectionRules& user,
                                       std::string_view repository) {
  for (const auto& rule : user.rules()) {
    bool hit = false;
    switch (rule.field) {
      case DetectionRules::Rule::Field::kImage:
        hit = ImagePatternMatches(ToLower(rule.pattern), repository);
        break;
      case DetectionRules::Rule::Field::kEnv:
        hit = std::any_of(c.env.begin(), c.env.end(), [&](const EnvVarView& e) {
          return NamePatternMatches(rule.pattern, e.name);
        });
        break;
      case DetectionRules::Rule::Field::kCommand: {
        const std::vector<std::string>& argv = c.command.empty() ? c.args : c.command;
        hit = !argv.empty() && GlobMatch(rule.pattern, Basename(argv[0]));
        break;
      }
    }
    if (hit) {
      static constexpr std::array<std::string_view, 3> kField{"image", "env", "command"};
      Detection d;
      d.language = rule.language;
      d.confidence = rule.confidence;
      d.evidence.push_back(
          fmt::format("rule {} {}", kField[static_cast<int>(rule.field)], rule.pattern));
      return d;
    }
  }
  return std::nullopt;
}

}  // namespace

Detection DetectLanguage(const ContainerView& c, const DetectionRules* user_rules,
                         const ImageFacts* image) {
  const std::string repository = ImageRepository(c.image);
  const std::string tag = ToLower(ImageTag(c.image));
  // From the tag, unless the image's entrypoint binary says which libc it links.
  bool musl =
      tag.find("alpine") != std::string::npos || repository.find("alpine") != std::string::npos;
  std::string go_exe, libc_evidence;

  auto finish = [&](Detection d) {
    d.musl = musl;
    if (d.language == Language::kGo) d.go_exe = go_exe;
    if (!libc_evidence.empty() && d.language != Language::kUnknown && d.language != Language::kNone)
      d.evidence.push_back(libc_evidence);
    return d;
  };
  if (user_rules != nullptr) {
    if (auto d = FromUserRules(c, *user_rules, repository)) return finish(std::move(*d));
  }
  if (const auto sidecars = rules::SidecarNames();
      std::find(sidecars.begin(), sidecars.end(), c.name) != sidecars.end()) {
    return finish({Language::kNone, Confidence::kHigh, {"sidecar " + c.name}});
  }
  if (!c.image.empty() && AnyImage(rules::InfrastructureImages(), repository)) {
    return finish({Language::kNone, Confidence::kHigh, {"infrastructure image " + c.image}});
  }

  if (image != nullptr) {
    if (auto evidence = ImageInfrastructure(c, *image))
      return finish({Language::kNone, Confidence::kHigh, {std::move(*evidence)}});
  }

  ContainerSignals collected = CollectSignals(c);
  std::vector<Signal> signals = std::move(collected.signals);
  bool utility = collected.utility;
  std::string utility_evidence = std::move(collected.utility_evidence);
  if (image != nullptr) {
    const ContainerView view = ImageConfigView(c, *image);
    ContainerSignals config = CollectSignals(view, image);
    std::vector<Signal> from_image = std::move(config.signals);
    if (!utility && c.command.empty() && config.utility) {
      utility = true;
      utility_evidence = std::move(config.utility_evidence);
    }
    const EntryBinaryEvidence binary = ReadEntryBinary(c, *image);
    if (!binary.go_exe.empty()) {
      from_image.push_back({Language::kGo, Confidence::kHigh, binary.go_evidence});
      go_exe = binary.go_exe;
    }
    for (auto& [language, evidence] : HistoryHints(*image))
      from_image.push_back({language, Confidence::kLow, std::move(evidence), true});
    if (binary.musl) {
      musl = *binary.musl;
      libc_evidence = binary.libc_evidence;
    }
    const std::optional<Language> said = ManifestLanguage(signals);
    for (Signal& s : from_image) {
      if (!said || s.language == *said) signals.push_back(std::move(s));
    }
  }
  DropLoneSupporting(signals);

  // Indexed by Language; every language past kNone has a profile.
  std::vector<int> score(static_cast<std::size_t>(Language::kJava) + LanguageProfiles().size());
  for (const auto& s : signals) score[static_cast<int>(s.language)] += Weight(s.confidence);
  int best = -1, second = -1;
  for (int i = 0; i < static_cast<int>(score.size()); ++i) {
    if (score[i] == 0) continue;
    if (best < 0 || score[i] > score[best]) {
      second = best;
      best = i;
    } else if (second < 0 || score[i] > score[second]) {
      second = i;
    }
  }

  // A utility's started program outweighs low hints: `cp /javaagent.jar /shared` in an image named
  // "...-java" copies Java's files, it does not run Java.
  const bool only_low = std::all_of(signals.begin(), signals.end(), [](const Signal& s) {
    return s.confidence == Confidence::kLow;
  });
  if (best < 0 || (utility && only_low)) {
    const bool base_image = AnyImage(rules::BaseImages(), repository);
    if (utility) return finish({Language::kNone, Confidence::kMedium, {utility_evidence}});
    if (base_image && c.command.empty() && c.args.empty()) {
      Detection d{
          Language::kNone, Confidence::kMedium, {"base image " + c.image + " with no command"}};
      d.bare_base_image = true;
      return finish(std::move(d));
    }
    return finish({Language::kUnknown, Confidence::kNone, {}});
  }

  Detection d;
  if (second >= 0 && score[second] == score[best]) {
    d.language = Language::kUnknown;
    d.evidence.push_back(fmt::format("conflicting signals: {} and {}",
                                     ToString(static_cast<Language>(best)),
                                     ToString(static_cast<Language>(second))));
    for (const auto& s : signals) d.evidence.push_back(s.evidence);
    return finish(std::move(d));
  }
  d.language = static_cast<Language>(best);
  int mediums = 0;
  for (const auto& s : signals) {
    if (static_cast<int>(s.language) != best) continue;
    d.confidence = std::max(d.confidence, s.confidence);
    mediums += s.confidence == Confidence::kMedium;
    d.evidence.push_back(s.evidence);
  }
  if (d.confidence == Confidence::kMedium && mediums >= 2) d.confidence = Confidence::kHigh;
  if (second >= 0 && d.confidence > Confidence::kLow) {
    // Another language also has some support: say so and trust the answer less.
    d.confidence = static_cast<Confidence>(static_cast<int>(d.confidence) - 1);
    d.evidence.push_back(
        fmt::format("weaker signal for {}", ToString(static_cast<Language>(second))));
  }
  return finish(std::move(d));
}

}  // namespace traceassist::instrument
