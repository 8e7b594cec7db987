// Resolving the program an image starts to paths inside the image. Pure text: the layers are read
// by the registry client, which looks for these paths.
#include "image_program.h"

#include <algorithm>
#include <cctype>

#include "detector_rules.h"
#include "match.h"

namespace traceassist::instrument {
namespace {

// Docker's PATH when an image sets none.
constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Shell builtins that start nothing; a script's program is the first command that is not one of
// these (or a utility such as echo or mkdir).
constexpr std::string_view kBuiltins[] = {"cd",     "export", "set",   "umask", "ulimit",
                                          "source", ".",      "unset", "trap",  ":",
                                          "shift",  "alias",  "local", "read",  "wait"};

bool IsName(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsShell(std::string_view program) {
  const auto shells = rules::Shells();
  return std::find(shells.begin(), shells.end(), ToLower(Basename(program))) != shells.end();
}

bool Skipped(std::string_view program) {
  const std::string name = ToLower(Basename(program));
  const auto utilities = rules::Utilities();
  return std::find(std::begin(kBuiltins), std::end(kBuiltins), name) != std::end(kBuiltins) ||
         std::find(utilities.begin(), utilities.end(), name) != utilities.end() ||
         std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c); });
}

}  // namespace

const std::string* EnvValue(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& entry : env) {
    if (entry.size() > name.size() && entry[name.size()] == '=' &&
        std::string_view(entry).substr(0, name.size()) == name) {
      return &entry;
    }
  }
  return nullptr;
}

std::string ExpandVariables(std::string_view word, const std::vector<std::string>& env) {
  auto value = [&](std::string_view name) -> std::string_view {
    const std::string* entry = EnvValue(env, name);
    return entry == nullptr ? std::string_view() : std::string_view(*entry).substr(name.size() + 1);
  };
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '$' || i + 1 == word.size()) {
      out += word[i];
      continue;
    }
    if (word[i + 1] == '{') {
      const std::size_t close = word.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += word.substr(i);
        break;
      }
      std::string_view inner = word.substr(i + 2, close - i - 2);
      std::size_t n = 0;
      while (n < inner.size() && IsName(inner[n])) ++n;
      const std::string_view name = inner.substr(0, n);
      std::string_view rest = inner.substr(n);
      const std::string_view v = value(name);
      if (rest.substr(0, 2) == ":-") {
        out += v.empty() ? rest.substr(2) : v;
      } else if (rest.substr(0, 1) == "-") {
        out += EnvValue(env, name) == nullptr ? rest.substr(1) : v;
      } else {
        out += v;
      }
      i = close;
    } else if (IsName(word[i + 1]) && !std::isdigit(static_cast<unsigned char>(word[i + 1]))) {
      std::size_t end = i + 1;
      while (end < word.size() && IsName(word[end])) ++end;
      out += value(word.substr(i + 1, end - i - 1));
      i = end - 1;
    } else {
      out += word[i];
    }
  }
  return out;
}

Words EffectiveArgv(const ImageFacts& facts, const Words& command, const Words& args) {
  Words argv = command.empty() ? facts.entrypoint : command;
  const Words& tail = command.empty() && args.empty() ? facts.cmd : args;
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

namespace {

// The index of a shell's -c script in `argv` (the word after the option that holds 'c'), or 0
// when argv[at] is not a shell with one.
std::size_t ScriptIndex(const Words& argv, std::size_t at) {
  if (at >= argv.size() || !IsShell(argv[at])) return 0;
  std::size_t i = at + 1;
  while (i < argv.size() && !argv[i].empty() && argv[i][0] == '-' &&
         argv[i].find('c') == std::string::npos)
    ++i;
  if (i >= argv.size() || argv[i].empty() || argv[i][0] != '-' || i + 1 >= argv.size()) return 0;
  return i + 1;
}

}  // namespace

Words ExpandedArgv(const Words& argv, const ImageFacts& facts) {
  Words out = argv;
  if (const std::size_t script = ScriptIndex(argv, ProgramIndex(argv)); script != 0)
    out[script] = ExpandVariables(argv[script], facts.env);
  return out;
}

std::vector<Words> StartedCommands(const Words& argv, const ImageFacts& facts) {
  const std::size_t at = ProgramIndex(argv);
  if (at >= argv.size()) return {};
  const std::size_t script = ScriptIndex(argv, at);
  if (script == 0) {
    if (IsShell(argv[at])) return {};
    return {Words(argv.begin() + static_cast<std::ptrdiff_t>(at), argv.end())};
  }
  std::vector<Words> out;
  for (Words& command : ShellCommands(ExpandVariables(argv[script], facts.env))) {
    const std::size_t p = ProgramIndex(command);
    if (p < command.size())
      out.emplace_back(command.begin() + static_cast<std::ptrdiff_t>(p), command.end());
  }
  return out;
}

Words StartedCommand(const Words& argv, const ImageFacts& facts, std::string& cwd) {
  cwd = facts.working_dir.empty() ? "/" : facts.working_dir;
  std::vector<Words> commands = StartedCommands(argv, facts);
  // An exec-form command starts its program, whatever it is; a script's builtins and utilities
  // (cd, echo, envsubst steps) come before the program it runs.
  if (ScriptIndex(argv, ProgramIndex(argv)) == 0)
    return commands.empty() ? Words() : std::move(commands[0]);
  for (Words& command : commands) {
    if (ToLower(command[0]) == "cd" && command.size() > 1) {
      cwd = ResolveImagePath(cwd, command[1]);
    } else if (!Skipped(command[0])) {
      return std::move(command);
    }
  }
  return {};
}

std::vector<std::string> ProgramCandidates(const Words& argv, const ImageFacts& facts) {
  std::string cwd;
  const Words started = StartedCommand(argv, facts, cwd);
  if (started.empty() || started[0].empty()) return {};
  const std::string& program = started[0];
  if (program.find('/') != std::string::npos) return {ResolveImagePath(cwd, program)};
  const std::string* path_entry = EnvValue(facts.env, "PATH");
  std::string_view path =
      path_entry == nullptr ? kDefaultPath : std::string_view(*path_entry).substr(5);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t colon = std::min(path.find(':', i), path.size());
    const std::string_view dir = path.substr(i, colon - i);
    // An empty or relative PATH entry is taken from the current directory.
    std::string candidate =
        ResolveImagePath(cwd, std::string(dir.empty() ? "." : dir) + "/" + program);
    if (std::find(out.begin(), out.end(), candidate) == out.end())
      out.push_back(std::move(candidate));
    i = colon + 1;
  }
  return out;
}

std::string ResolveImagePath(std::string_view dir, std::string_view path) {
  const std::string joined = !path.empty() && path[0] == '/'
                                 ? std::string(path)
                                 : std::string(dir.empty() ? "/" : dir) + "/" + std::string(path);
  std::vector<std::string_view> parts;
  const std::string_view text = joined;
  std::size_t i = 0;
  while (i <= text.size()) {
    const std::size_t slash = std::min(text.find('/', i), text.size());
    const std::string_view part = text.substr(i, slash - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = slash + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

std::vector<std::string> ProgramCandidates(const ImageFacts& facts) {
  return ProgramCandidates(EffectiveArgv(facts, {}, {}), facts);
}

}  // namespace traceassist::instrument
