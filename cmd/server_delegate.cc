// How `traceassist` hands the server commands to traceassist-server: exec, so the server keeps the
// process (PID 1 in a container, signals, exit code) and no parent waits around.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "commands.h"

namespace traceassist::cmd {
namespace {

constexpr const char* kServerBinary = "traceassist-server";

}  // namespace

bool IsServerCommand(std::string_view arg) {
  for (const auto& command : kServerCommands) {
    if (arg == command.name) return true;
  }
  return false;
}

void RegisterServerCommandNames(CLI::App& app) {
  // Listed in --help only: main() execs before parsing when one of them is named.
  for (const auto& command : kServerCommands) app.add_subcommand(command.name, command.description);
}

std::string ServerBinary() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto beside = self.parent_path() / kServerBinary;
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
  }
  return kServerBinary;
}

int ExecServer(char** argv) {
  // The binary installed beside this one (the build tree and `cmake --install` both put it there),
  // else the first on PATH.
  const std::string binary = ServerBinary();
  if (binary.find('/') != std::string::npos) ::execv(binary.c_str(), argv);
  ::execvp(kServerBinary, argv);
  std::cerr << "traceassist: `" << argv[1] << "` runs " << kServerBinary
            << ", which was found neither beside this binary nor on PATH: " << std::strerror(errno)
            << '\n';
  return kExitUsage;
}

}  // namespace traceassist::cmd
