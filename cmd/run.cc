// What both executables' main() share: the app's shape and how its outcome maps to an exit code.
#include <csignal>
#include <exception>
#include <iostream>
#include <new>
#include <sstream>
#include <utility>

#include "commands.h"
#include "output.h"

namespace traceassist::cmd {

void ConfigureApp(CLI::App& app) {
  app.description(
      "TraceAssist: OpenTelemetry auto-instrumentation annotations for Kubernetes workloads");
  app.set_version_flag("--version", std::string("traceassist ") + TRACEASSIST_VERSION);
  app.require_subcommand(1);
}

int Run(CLI::App& app, int argc, char** argv, const int& exit_code) {
  // Over a file-size limit (ulimit -f), write() then fails with EFBIG and the in-place writer
  // removes its temporary file and reports it; the default SIGXFSZ would kill the process mid-write
  // instead.
  std::signal(SIGXFSZ, SIG_IGN);
  // The first word must name a command: CLI11 alone would call an unknown one an unexpected
  // argument.
  const auto named = [&](const CLI::App* sub) { return sub->check_name(argv[1]); };
  if (argc > 1 && argv[1][0] != '-' && std::as_const(app).get_subcommands(named).empty()) {
    std::cerr << "traceassist: unknown command `" << argv[1] << "` (see traceassist --help)\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    // --help and --version, written as every other output is (a full disk is an error).
    std::ostringstream out;
    const int code = app.exit(e, out, std::cerr);
    try {
      WriteStdout(out.str());
    } catch (const OutputError& error) {
      std::cerr << "traceassist: cannot write to standard output: " << error.what() << '\n';
      return kExitInputError;
    }
    return code;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;  // every usage error is exit 2, whatever CLI11's own code
  } catch (const OutputError& e) {
    std::cerr << "traceassist: cannot write to standard output: " << e.what() << '\n';
    return kExitInputError;
  } catch (const std::bad_alloc&) {
    // A huge input can exhaust memory outside the library (reading it, joining the output): report
    // it as an input error instead of aborting.
    std::cerr << "traceassist: out of memory (the input is too large for the memory available)\n";
    return kExitInputError;
  } catch (const std::exception& e) {
    std::cerr << "traceassist: internal error: " << e.what() << '\n';
    return kExitInputError;
  }
  return exit_code;
}

}  // namespace traceassist::cmd
