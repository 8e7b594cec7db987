// Helpers shared by the CLI tests: run the real `traceassist` binary, read and write files, list
// the golden fixtures in test/data. Not thread-safe (tests run sequentially).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace traceassist::testing {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed by a signal
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// Runs TRACEASSIST_BINARY with `args` in directory `cwd` (the current one when empty), feeding
// `stdin_data` on stdin (/dev/null when nullopt). Throws std::runtime_error when it cannot start.
ProcessResult RunTraceassist(const std::vector<std::string>& args,
                             const std::filesystem::path& cwd = {},
                             const std::optional<std::string>& stdin_data = std::nullopt);

std::string ReadFile(const std::filesystem::path& path);  // throws when it cannot be read
void WriteFile(const std::filesystem::path& path, const std::string& data);

// One golden case: test/data/<name>.input.{yaml,json} with optional <name>.args (one CLI argument
// per line; "@DATA@" is replaced by the data directory), and the expected <name>.golden.{yaml,json}
// and <name>.report.json.
struct Fixture {
  std::string name;
  std::filesystem::path input;
  std::filesystem::path golden;
  std::filesystem::path report;
  std::vector<std::string> args;
};

std::filesystem::path DataDir();
// All fixtures, sorted by name.
std::vector<Fixture> ListFixtures();
// Every file of the shared corpus (TRACEASSIST_CORPUS_DIR/files), sorted; empty when it is absent.
std::vector<std::filesystem::path> ListCorpusFiles();

// The arguments of `traceassist instrument` for a fixture: its args, `--report json`, the input
// name (relative: the binary runs in the data directory so reports carry no machine-specific
// paths).
std::vector<std::string> InstrumentArgs(const Fixture& fixture);

}  // namespace traceassist::testing
