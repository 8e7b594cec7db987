// Signal collection for the detector: what one container's image name, env names, command,
// probes and mounts say, language by language, from the built-in profiles.
#include "signal_collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "command_words.h"
#include "detector_rules.h"
#include "image_evidence.h"
#include "language_profile.h"
#include "match.h"
#include "traceassist/instrument/detector.h"

namespace traceassist::instrument {
namespace {

// True when `match(pattern, text)` holds for one of `patterns`.
template <typename Range, typename Match>
bool AnyMatches(const Range& patterns, std::string_view text, Match match) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](std::string_view p) { return match(p, text); });
}

bool HasPrefix(std::string_view prefix, std::string_view path) {
  return path.substr(0, prefix.size()) == prefix;
}

template <typename Range>
bool Contains(const Range& names, std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "python3.11" -> "python3"-style normalisation so versioned interpreters match their launcher.
std::string NormalizeProgram(std::string_view program) {
  std::string name = ToLower(Basename(program));
  for (const LanguageProfile* profile : LanguageProfiles()) {
    const std::string_view base = profile->detection.versioned_program;
    if (base.empty()) continue;
    if (name.size() > base.size() && name.compare(0, base.size(), base) == 0 &&
        std::all_of(
            name.begin() + static_cast<std::ptrdiff_t>(base.size()), name.end(),
            [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
      return std::string(base);
    }
  }
  return name;
}

// A variable that holds another service's address ("LOCUST_WEB_HOST" on the proxy in front of
// Locust, "CELERY_BROKER_URL") names that service, not this container's runtime: a framework's
// prefix does not count for it.
bool PeerAddress(std::string_view name) {
  for (std::string_view suffix :
       {"_HOST", "_PORT", "_ADDR", "_ADDRESS", "_URL", "_URI", "_ENDPOINT", "_SERVICE"}) {
    if (EndsWith(name, suffix)) return true;
  }
  return false;
}

// Medium env patterns: exact names, or prefixes ("SPRING_*") that are not a peer's address.
bool OwnNameMatches(std::string_view pattern, std::string_view name) {
  return NamePatternMatches(pattern, name) && (pattern.back() != '*' || !PeerAddress(name));
}

class SignalCollector {
 public:
  explicit SignalCollector(const ContainerView& c, const ImageFacts* image = nullptr)
      : c_(c), image_(image), repository_(ImageRepository(c.image)) {}

  void Collect() {
    const Words tokens = ImageTokens(repository_);
    for (const LanguageProfile* profile : LanguageProfiles()) {
      const DetectionSignals& lang = profile->detection;
      if (AnyMatches(lang.images, repository_, RuntimeImagePatternMatches)) {
        Add(profile->language, Confidence::kHigh, "image " + c_.image);
      } else if (AnyMatches(lang.weak_images, repository_, RuntimeImagePatternMatches)) {
        Add(profile->language, Confidence::kMedium, "image " + c_.image);
      } else if (auto t = std::find_first_of(tokens.begin(), tokens.end(),
                                             lang.image_tokens.begin(), lang.image_tokens.end());
                 t != tokens.end()) {
        Add(profile->language, Confidence::kLow, fmt::format("image name word {}", *t));
      }
      bool convention = false;
      for (const auto& env : c_.env) {
        const std::string evidence =
            image_ != nullptr ? ImageEnvEvidence(env.name, *image_) : "env " + env.name;
        if (AnyMatches(lang.env_strong, env.name, NamePatternMatches) ||
            (image_ != nullptr && Contains(lang.image_env, env.name))) {
          Add(profile->language, Confidence::kHigh, evidence);
        } else if (AnyMatches(lang.env, env.name, OwnNameMatches)) {
          Add(profile->language, Confidence::kMedium, evidence);
        } else if (AnyMatches(lang.env_supporting, env.name, NamePatternMatches)) {
          signals_.push_back({profile->language, Confidence::kLow, evidence, true});
        } else if (!convention && lang.env_convention != nullptr && lang.env_convention(env.name)) {
          convention = true;  // one framework convention is one signal, however many keys use it
          Add(profile->language, Confidence::kMedium, evidence);
        }
      }
      for (const auto& path : c_.probe_paths) {
        if (AnyMatches(lang.probe_prefixes, path, HasPrefix))
          Add(profile->language, Confidence::kMedium, "probe " + path);
      }
      for (const auto& path : c_.mount_paths) {
        if (AnyMatches(lang.mount_prefixes, path, HasPrefix))
          Add(profile->language, Confidence::kMedium, "mount " + path);
      }
    }
    CollectCommand();
  }

  ContainerSignals Take() && {
    return {std::move(signals_), utility_, std::move(utility_evidence_)};
  }

 private:
  void Add(Language language, Confidence confidence, std::string evidence) {
    if (image_ != nullptr && evidence.rfind("image ", 0) != 0)
      evidence = "image config " + evidence;
    signals_.push_back({language, confidence, std::move(evidence)});
  }

  // Looks at the started program: command[0] (past wrappers such as tini), or args[0] when it
  // names an interpreter. A shell's `-c` script is read command by command.
  void CollectCommand() {
    Words argv = c_.command;
    argv.insert(argv.end(), c_.args.begin(), c_.args.end());
    const std::size_t at = ProgramIndex(argv);
    if (at >= argv.size()) return;
    argv.erase(argv.begin(), argv.begin() + static_cast<std::ptrdiff_t>(at));

    if (Contains(rules::Shells(), NormalizeProgram(argv[0]))) {
      std::string script;
      for (std::size_t i = 1; i < argv.size(); ++i) {
        if (!argv[i].empty() && argv[i][0] == '-' && i + 1 < argv.size()) continue;  // -c, -ec
        script += argv[i];
        script += ' ';
      }
      const auto commands = ShellCommands(script);
      bool found = false;
      for (const auto& command : commands) found |= Program(command, Confidence::kMedium, true);
      if (!found && !commands.empty()) {
        const std::size_t p = ProgramIndex(commands[0]);
        if (p < commands[0].size() &&
            Contains(rules::Utilities(), NormalizeProgram(commands[0][p]))) {
          MarkUtility("command " + NormalizeProgram(commands[0][p]));
        }
      }
      if (commands.empty()) MarkUtility("command " + NormalizeProgram(argv[0]));
      return;
    }
    // With no command, args go to the image's entrypoint: only an interpreter that is followed by
    // what it runs counts ("node --endpoint=..." is a CSI driver's subcommand).
    if (c_.command.empty() && !InterpreterRuns(argv)) return;
    const bool found = Program(argv, Confidence::kHigh, false);
    if (!found && Contains(rules::Utilities(), NormalizeProgram(argv[0])))
      MarkUtility("command " + NormalizeProgram(argv[0]));
  }

  // True when argv[0] is a launcher or an application server's script and what follows is what it
  // runs: nothing, a non-option word, an option such as -m or -jar, or a file of its language.
  static bool InterpreterRuns(const Words& argv) {
    const std::string program = NormalizeProgram(argv[0]);
    const std::string path = ToLower(argv[0]);
    for (const LanguageProfile* profile : LanguageProfiles()) {
      const DetectionSignals& lang = profile->detection;
      const bool launcher = Contains(lang.launchers, program);
      if (!launcher && !AnyMatches(lang.launcher_paths, path, GlobMatch)) continue;
      if (!launcher || argv.size() == 1 || argv[1].empty() || argv[1][0] != '-' ||
          Contains(rules::InterpreterOptions(), argv[1]))
        return true;
      return std::any_of(argv.begin() + 1, argv.end(), [&](const std::string& a) {
        return FileLanguage(a) == static_cast<int>(profile->language);
      });
    }
    return false;
  }

  // Signals from one simple command: the program it runs, and file arguments of that program's
  // own language (`java -jar app.jar`), never a utility's (`cp /sample.war /app`).
  bool Program(const Words& command, Confidence confidence, bool in_shell) {
    const std::size_t at = ProgramIndex(command);
    if (at >= command.size()) return false;
    const std::string program = NormalizeProgram(command[at]);
    const std::string path = ToLower(command[at]);
    const std::string how = in_shell ? "shell command" : "command";
    for (const LanguageProfile* profile : LanguageProfiles()) {
      const DetectionSignals& lang = profile->detection;
      const bool launcher = Contains(lang.launchers, program);
      if (!launcher && !AnyMatches(lang.launcher_paths, path, GlobMatch)) continue;
      Add(profile->language, confidence,
          fmt::format("{} {}", how, launcher ? program : command[at]));
      for (std::size_t i = at + 1; i < command.size(); ++i) {
        if (FileLanguage(command[i]) == static_cast<int>(profile->language))
          Add(profile->language, Confidence::kMedium,
              fmt::format("argument {}", FileName(command[i])));
      }
      return true;
    }
    return false;
  }

  // "--app=/srv/app.jar" -> "/srv/app.jar".
  static std::string_view FileValue(std::string_view arg) {
    const auto eq = arg.find('=');
    return eq == std::string_view::npos ? arg : arg.substr(eq + 1);
  }
  static std::string_view FileName(std::string_view arg) { return Basename(FileValue(arg)); }

  // The language whose file suffix `arg` ends with (as int), or -1.
  static int FileLanguage(std::string_view arg) {
    const std::string_view value = FileValue(arg);
    if (value.find("://") != std::string_view::npos) return -1;
    for (const LanguageProfile* profile : LanguageProfiles()) {
      const DetectionSignals& lang = profile->detection;
      for (std::string_view suffix : lang.file_suffixes) {
        if (EndsWith(value, suffix)) return static_cast<int>(profile->language);
      }
    }
    return -1;
  }

  void MarkUtility(std::string evidence) {
    utility_ = true;
    utility_evidence_ = image_ != nullptr ? "image config " + evidence : std::move(evidence);
  }

  const ContainerView& c_;
  const ImageFacts* image_;
  std::string repository_;
  std::vector<Signal> signals_;
  bool utility_ = false;
  std::string utility_evidence_;
};

}  // namespace

ContainerSignals CollectSignals(const ContainerView& container, const ImageFacts* image) {
  SignalCollector collector(container, image);
  collector.Collect();
  return std::move(collector).Take();
}

}  // namespace traceassist::instrument
