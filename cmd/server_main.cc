// traceassist-server: `serve`, `healthcheck`, `certs` and `analytics`. Users run these as
// `traceassist <command>`, which execs this binary with the same arguments.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app;
  traceassist::cmd::ConfigureApp(app);
  int exit_code = traceassist::cmd::kExitOk;
  traceassist::cmd::RegisterServeCommands(app, exit_code);
  traceassist::cmd::RegisterCertsCommand(app, exit_code);
  traceassist::cmd::RegisterAnalyticsCommands(app, exit_code);
  traceassist::cmd::RegisterInspectImagesCommand(app, exit_code);
  return traceassist::cmd::Run(app, argc, argv, exit_code);
}
