// `traceassist completion bash|zsh|fish`: a completion script generated from the parser's own
// commands and options, so it cannot fall out of step with them.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "commands.h"
#include "output.h"

namespace traceassist::cmd {
namespace {

struct Flag {
  std::string name;  // with its dashes: "-i", "--in-place"
  std::string description;
  bool takes_value = false;
};

struct Command {
  std::string name;
  std::string description;
  std::vector<Flag> flags;
};

// The commands below `app` and their flags (the help flag included).
std::vector<Command> Commands(const CLI::App& app) {
  std::vector<Command> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    Command c{sub->get_name(), sub->get_description(), {}};
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->get_positional()) continue;
      const bool value = opt->get_type_size_max() > 0;
      for (const auto& n : opt->get_snames())
        c.flags.push_back({"-" + n, opt->get_description(), value});
      for (const auto& n : opt->get_lnames())
        c.flags.push_back({"--" + n, opt->get_description(), value});
    }
    commands.push_back(std::move(c));
  }
  return commands;
}

// `text` with `quote` and anything a completion system reads specially replaced.
std::string Plain(std::string text, const std::string& special) {
  for (char& c : text) {
    if (special.find(c) != std::string::npos) c = ' ';
  }
  return text;
}

std::string Bash(const std::vector<Command>& commands) {
  std::string names, cases;
  for (const auto& c : commands) {
    names += (names.empty() ? "" : " ") + c.name;
    std::string flags;
    for (const auto& f : c.flags) flags += (flags.empty() ? "" : " ") + f.name;
    cases += fmt::format("    {}) flags=\"{}\" ;;\n", c.name, flags);
  }
  return fmt::format(R"(# bash completion for traceassist: source it, or save it as
# /etc/bash_completion.d/traceassist (`traceassist completion bash`).
_traceassist() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} flags=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "{}" -- "$cur"))
    return
  fi
  case ${{COMP_WORDS[1]}} in
{}  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _traceassist traceassist kubectl-traceassist
)",
                     names, cases);
}

std::string Zsh(const std::vector<Command>& commands) {
  std::string described, cases;
  for (const auto& c : commands) {
    described += fmt::format("    '{}:{}'\n", c.name, Plain(c.description, "':"));
    std::string specs;
    for (const auto& f : c.flags) {
      specs += fmt::format(" \\\n        '{}[{}]{}'", f.name, Plain(f.description, "'[]:"),
                           f.takes_value ? ":value:" : "");
    }
    cases += fmt::format("    {}) _arguments{} \\\n        '*:file:_files' ;;\n", c.name, specs);
  }
  return fmt::format(R"(#compdef traceassist kubectl-traceassist
# zsh completion for traceassist: save it as _traceassist in a directory of $fpath
# (`traceassist completion zsh > "${{fpath[1]}}/_traceassist"`).
_traceassist() {{
  local -a commands
  commands=(
{}  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case $words[1] in
{}  esac
}}
_traceassist "$@"
)",
                     described, cases);
}

std::string Fish(const std::vector<Command>& commands) {
  std::string out =
      "# fish completion for traceassist: save it as "
      "~/.config/fish/completions/traceassist.fish\n"
      "complete -c traceassist -f\n";
  for (const auto& c : commands) {
    out += fmt::format("complete -c traceassist -n __fish_use_subcommand -a {} -d '{}'\n", c.name,
                       Plain(c.description, "'\\"));
    for (const auto& f : c.flags) {
      const bool is_long = f.name.rfind("--", 0) == 0;
      out += fmt::format(
          "complete -c traceassist -n '__fish_seen_subcommand_from {}' -{} {}{} -d '{}'\n", c.name,
          is_long ? "l" : "s", f.name.substr(is_long ? 2 : 1), f.takes_value ? " -r" : "",
          Plain(f.description, "'\\"));
    }
    out += fmt::format("complete -c traceassist -n '__fish_seen_subcommand_from {}' -F\n", c.name);
  }
  return out;
}

}  // namespace

void RegisterCompletionCommand(CLI::App& app, int& exit_code) {
  auto shell = std::make_shared<std::string>();
  auto* completion = app.add_subcommand(
      "completion", "Print a completion script for bash, zsh or fish (see --help for where)");
  completion->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->footer(R"(
Examples:
  source <(traceassist completion bash)
  traceassist completion zsh > "${fpath[1]}/_traceassist"
  traceassist completion fish > ~/.config/fish/completions/traceassist.fish

Exit codes: 0 done; 2 usage error.
)");
  completion->callback([&app, &exit_code, shell] {
    const auto commands = Commands(app);
    WriteStdout(*shell == "bash"  ? Bash(commands)
                : *shell == "zsh" ? Zsh(commands)
                                  : Fish(commands));
    exit_code = kExitOk;
  });
}

}  // namespace traceassist::cmd
