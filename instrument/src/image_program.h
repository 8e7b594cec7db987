// The program an image's command line starts, resolved to paths inside the image (private).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "command_words.h"
#include "traceassist/instrument/image_facts.h"

namespace traceassist::instrument {

// The value of `name` in "KEY=VALUE" entries; null when absent.
const std::string* EnvValue(const std::vector<std::string>& env, std::string_view name);

// `word` with $VAR, ${VAR}, ${VAR:-default} and ${VAR-default} replaced from `env` (unset: empty,
// or the default), as a shell does before it runs a script.
std::string ExpandVariables(std::string_view word, const std::vector<std::string>& env);

// The argv a container runs with the image's config: Docker and Kubernetes semantics. A manifest
// command replaces Entrypoint and Cmd; manifest args alone replace Cmd.
Words EffectiveArgv(const ImageFacts& facts, const Words& command, const Words& args);

// `argv` with a shell's -c script expanded from the config Env ($VAR, ${VAR}); other words as they
// are (Docker does not expand an exec-form command).
Words ExpandedArgv(const Words& argv, const ImageFacts& facts);

// Every simple command `argv` runs, each from its program (past wrappers): a shell's -c script's
// commands in order, with variables expanded from the config Env; else argv itself.
std::vector<Words> StartedCommands(const Words& argv, const ImageFacts& facts);

// The program of `argv` as the image would start it: for a shell's -c script, the script's program
// with variables expanded from the config Env. `cwd` receives the directory relative paths are
// taken from. Empty when nothing is started.
Words StartedCommand(const Words& argv, const ImageFacts& facts, std::string& cwd);

// ProgramCandidates for an explicit argv (the effective one of a container).
std::vector<std::string> ProgramCandidates(const Words& argv, const ImageFacts& facts);

}  // namespace traceassist::instrument
