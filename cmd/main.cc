// traceassist: the command line. `instrument`, `uninstrument` and `detect` run here, linked against
// the pure library only; `serve`, `healthcheck`, `certs` and `analytics` exec traceassist-server
// (the HTTP/TLS/PostgreSQL stack), so a pipeline that runs the CLI per file does not load OpenSSL,
// libpq and their thirty-odd libraries each time (bench/RESULTS.md, "Core: instrument").
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  if (argc > 1 && traceassist::cmd::IsServerCommand(argv[1]))
    return traceassist::cmd::ExecServer(argv);
  CLI::App app;
  traceassist::cmd::ConfigureApp(app);
  int exit_code = traceassist::cmd::kExitOk;
  traceassist::cmd::RegisterInstrumentCommands(app, exit_code);
  traceassist::cmd::RegisterServerCommandNames(app);
  traceassist::cmd::RegisterCompletionCommand(app, exit_code);
  return traceassist::cmd::Run(app, argc, argv, exit_code);
}
