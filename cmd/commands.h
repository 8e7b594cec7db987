// Each subcommand registers itself on the CLI11 app and returns the exit code through `exit_code`
// when it runs. Exit codes: 0 ok, 1 input error, 2 usage error, 3 --check found changes.
#pragma once

#include <CLI/CLI.hpp>

namespace traceassist::cmd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInputError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitChangesNeeded = 3;

// `instrument`, `uninstrument` and `detect`.
void RegisterInstrumentCommands(CLI::App& app, int& exit_code);

// `analytics summary`: reads the usage table named by DATABASE_URL.
void RegisterAnalyticsCommands(CLI::App& app, int& exit_code);

// `serve` (HTTP API and admission webhook) and `healthcheck` (GET /health for the container).
void RegisterServeCommands(CLI::App& app, int& exit_code);

// `certs`: a CA and a server certificate for the webhook.
void RegisterCertsCommand(CLI::App& app, int& exit_code);

}  // namespace traceassist::cmd
