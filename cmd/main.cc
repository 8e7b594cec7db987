// traceassist: the command line. Subcommands live in *_command.cc; this file only wires them.
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  // Over a file-size limit (ulimit -f), write() then fails with EFBIG and the in-place writer removes
  // its temporary file and reports it; the default SIGXFSZ would kill the process mid-write instead.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"TraceAssist: OpenTelemetry auto-instrumentation annotations for Kubernetes workloads"};
  app.set_version_flag("--version", std::string("traceassist ") + TRACEASSIST_VERSION);
  app.require_subcommand(1);
  int exit_code = traceassist::cmd::kExitOk;
  traceassist::cmd::RegisterInstrumentCommands(app, exit_code);
  traceassist::cmd::RegisterAnalyticsCommands(app, exit_code);
  traceassist::cmd::RegisterServeCommands(app, exit_code);
  traceassist::cmd::RegisterCertsCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return traceassist::cmd::kExitUsage;  // every usage error is exit 2, whatever CLI11's own code
  } catch (const std::bad_alloc&) {
    // A huge input can exhaust memory outside the library (reading it, joining the output): report it
    // as an input error instead of aborting.
    std::cerr << "traceassist: out of memory (the input is too large for the memory available)\n";
    return traceassist::cmd::kExitInputError;
  } catch (const std::exception& e) {
    std::cerr << "traceassist: internal error: " << e.what() << '\n';
    return traceassist::cmd::kExitInputError;
  }
  return exit_code;
}
