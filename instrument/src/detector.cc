// Language detection: gather signals (image, env names, command, probes, mounts), score them per
// language, and answer only when one language clearly leads. Ties and silence give "unknown".
#include "traceassist/instrument/detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "detector_rules.h"
#include "match.h"

namespace traceassist::instrument {
namespace {

template <typename Range>
bool AnyImage(const Range& patterns, std::string_view repository) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](std::string_view p) { return ImagePatternMatches(p, repository); });
}

template <typename Range>
bool AnyName(const Range& patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](std::string_view p) { return NamePatternMatches(p, name); });
}

template <typename Range>
bool Contains(const Range& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "python3.11" -> "python3"-style normalisation so versioned interpreters match their launcher.
std::string NormalizeProgram(std::string_view program) {
  std::string name = ToLower(Basename(program));
  for (std::string_view base : {"python", "php", "ruby", "node"}) {
    if (name.size() > base.size() && name.compare(0, base.size(), base) == 0 &&
        std::all_of(
            name.begin() + static_cast<std::ptrdiff_t>(base.size()), name.end(),
            [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
      return std::string(base);
    }
  }
  return name;
}

// Splits a shell script into words: whitespace and shell punctuation separate them.
std::vector<std::string> ShellWords(std::string_view script) {
  std::vector<std::string> words;
  std::string current;
  for (char c : script) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::string_view(";&|()`\"'<>").find(c) != std::string_view::npos) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
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

struct Signal {
  Language language;
  Confidence confidence;
  std::string evidence;
};

class SignalCollector {
 public:
  explicit SignalCollector(const ContainerView& c) : c_(c), repository_(ImageRepository(c.image)) {}

  void Collect() {
    for (const auto& lang : rules::Languages()) {
      if (AnyImage(lang.images, repository_)) {
        Add(lang.language, Confidence::kHigh, "image " + c_.image);
      } else if (AnyImage(lang.weak_images, repository_)) {
        Add(lang.language, Confidence::kMedium, "image " + c_.image);
      }
      for (const auto& env : c_.env) {
        if (AnyName(lang.env_strong, env.name)) {
          Add(lang.language, Confidence::kHigh, "env " + env.name);
        } else if (AnyName(lang.env, env.name)) {
          Add(lang.language, Confidence::kMedium, "env " + env.name);
        }
      }
      for (const auto& path : c_.probe_paths) {
        if (AnyPrefix(lang.probe_prefixes, path))
          Add(lang.language, Confidence::kMedium, "probe " + path);
      }
      for (const auto& path : c_.mount_paths) {
        if (AnyPrefix(lang.mount_prefixes, path))
          Add(lang.language, Confidence::kMedium, "mount " + path);
      }
    }
    CollectCommand();
  }

  const std::vector<Signal>& signals() const { return signals_; }
  bool utility() const { return utility_; }
  const std::string& utility_evidence() const { return utility_evidence_; }
  const std::string& repository() const { return repository_; }

 private:
  template <typename Range>
  static bool AnyPrefix(const Range& prefixes, std::string_view path) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view p) { return path.substr(0, p.size()) == p; });
  }

  void Add(Language language, Confidence confidence, std::string evidence) {
    signals_.push_back({language, confidence, std::move(evidence)});
  }

  // Looks at the started program: command[0], or args[0] when it names an interpreter. A shell's
  // `-c` script is searched for launchers anywhere (wrappers such as `sh -c "exec java -jar ..."`).
  void CollectCommand() {
    std::vector<std::string> argv = c_.command;
    argv.insert(argv.end(), c_.args.begin(), c_.args.end());
    if (argv.empty()) return;

    const std::string program = NormalizeProgram(argv[0]);
    if (Contains(rules::Shells(), program)) {
      std::string script;
      for (std::size_t i = 1; i < argv.size(); ++i) {
        if (!argv[i].empty() && argv[i][0] == '-' && i + 1 < argv.size()) continue;  // -c, -ec
        script += argv[i];
        script += ' ';
      }
      const auto words = ShellWords(script);
      bool found = false;
      for (const auto& word : words)
        found |= Launcher(NormalizeProgram(word), Confidence::kMedium, "shell");
      for (const auto& word : words) found |= FileArgument(word);
      if (!found && !words.empty()) {
        const std::string first =
            NormalizeProgram(words[0] == "exec" && words.size() > 1 ? words[1] : words[0]);
        if (Contains(rules::Utilities(), first)) MarkUtility("command " + first);
      }
      if (words.empty()) MarkUtility("command " + program);
      return;
    }
    // With no command, args go to the image's entrypoint: only an interpreter name counts.
    const bool from_command = !c_.command.empty();
    bool found = Launcher(program, Confidence::kHigh, "command");
    if (!found && !from_command) return;
    for (std::size_t i = 1; i < argv.size(); ++i) found |= FileArgument(argv[i]);
    if (!found && Contains(rules::Utilities(), program)) MarkUtility("command " + program);
  }

  bool Launcher(const std::string& program, Confidence confidence, std::string_view how) {
    for (const auto& lang : rules::Languages()) {
      if (Contains(lang.launchers, program)) {
        Add(lang.language, confidence,
            fmt::format("{} {}", how == "shell" ? "shell command" : "command", program));
        return true;
      }
    }
    return false;
  }

  bool FileArgument(std::string_view arg) {
    const auto eq = arg.find('=');  // --app=/srv/app.jar
    const std::string_view value = eq == std::string_view::npos ? arg : arg.substr(eq + 1);
    for (const auto& lang : rules::Languages()) {
      for (std::string_view suffix : lang.file_suffixes) {
        if (EndsWith(value, suffix) && value.find("://") == std::string_view::npos) {
          Add(lang.language, Confidence::kMedium, fmt::format("argument {}", Basename(value)));
          return true;
        }
      }
    }
    return false;
  }

  void MarkUtility(std::string evidence) {
    utility_ = true;
    utility_evidence_ = std::move(evidence);
  }

  const ContainerView& c_;
  std::string repository_;
  std::vector<Signal> signals_;
  bool utility_ = false;
  std::string utility_evidence_;
};

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

std::string ImageRepository(std::string_view image) {
  std::string_view ref = image;
  if (const auto at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref = ref.substr(0, colon);
  }
  std::string repo = ToLower(ref);
  for (std::string_view prefix : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
    if (repo.compare(0, prefix.size(), prefix) == 0) {
      repo.erase(0, prefix.size());
      break;
    }
  }
  if (repo.compare(0, 8, "library/") == 0) repo.erase(0, 8);
  return repo;
}

std::string ImageTag(std::string_view image) {
  std::string_view ref = image;
  if (const auto at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
    return {};
  return std::string(ref.substr(colon + 1));
}

Detection DetectLanguage(const ContainerView& c, const DetectionRules* user_rules) {
  const std::string repository = ImageRepository(c.image);
  const std::string tag = ToLower(ImageTag(c.image));
  const bool musl =
      tag.find("alpine") != std::string::npos || repository.find("alpine") != std::string::npos;

  auto finish = [&](Detection d) {
    d.musl = musl;
    return d;
  };
  if (user_rules != nullptr) {
    if (auto d = FromUserRules(c, *user_rules, repository)) return finish(std::move(*d));
  }
  if (Contains(rules::SidecarNames(), c.name)) {
    return finish({Language::kNone, Confidence::kHigh, {"sidecar " + c.name}});
  }
  if (!c.image.empty() && AnyImage(rules::InfrastructureImages(), repository)) {
    return finish({Language::kNone, Confidence::kHigh, {"infrastructure image " + c.image}});
  }

  SignalCollector collector(c);
  collector.Collect();
  const auto& signals = collector.signals();

  std::array<int, 16> score{};
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

  if (best < 0) {
    const bool base_image = AnyImage(rules::BaseImages(), repository);
    if (collector.utility()) {
      return finish({Language::kNone, Confidence::kMedium, {collector.utility_evidence()}});
    }
    if (base_image && c.command.empty() && c.args.empty()) {
      return finish(
          {Language::kNone, Confidence::kMedium, {"base image " + c.image + " with no command"}});
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
