// Reading the CLI's inputs and rewriting files in place. Errors are returned as text (the caller
// decides whether they go to stderr or into a JSON report); nothing here prints.
#pragma once

#include <string>
#include <vector>

namespace traceassist::cmd {

// An input that could not be used, named as the user gave it.
struct InputError {
  std::string file;
  std::string message;
};

// Expands directories (recursively, *.yaml/*.yml/*.json, sorted) and keeps files and "-" as given.
// A missing path, or a directory holding no manifest, is an error (so `--check` cannot pass on a
// typo); the paths found are still appended.
void ExpandInputs(const std::vector<std::string>& args, std::vector<std::string>& paths,
                  std::vector<InputError>& errors);

// Reads all of `path` ("-" is standard input) into `text`; false with `error` set on failure.
bool ReadInput(const std::string& path, std::string& text, std::string& error);

// Replaces the file `path` with `text` atomically: a temporary file in the target's directory with
// the target's owner, group and mode, flushed, then renamed over it. A symbolic link is followed:
// the file it points to is rewritten and the link kept. On failure the file is untouched and
// `error` says why.
bool WriteInPlace(const std::string& path, const std::string& text, std::string& error);

}  // namespace traceassist::cmd
