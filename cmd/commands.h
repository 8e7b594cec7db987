// Each subcommand registers itself on the CLI11 app and returns the exit code through `exit_code`
// when it runs. Exit codes: 0 ok, 1 input error, 2 usage error, 3 --check found changes.
#pragma once

#include <CLI/CLI.hpp>
#include <string_view>

namespace traceassist::cmd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInputError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitChangesNeeded = 3;

// The app's description, --version, and one subcommand required (both executables).
void ConfigureApp(CLI::App& app);

// Parses argv and runs the chosen subcommand; returns the process exit code (usage errors are 2).
int Run(CLI::App& app, int argc, char** argv, const int& exit_code);

// The commands that live in traceassist-server: it registers them, `traceassist --help` lists them.
struct ServerCommand {
  const char* name;
  const char* description;
};
inline constexpr ServerCommand kServe{
    "serve", "Serve the HTTP API (and the admission webhook over HTTPS when a certificate is set)"};
inline constexpr ServerCommand kHealthcheck{
    "healthcheck", "GET the local server's /health; exit 0 when it answers 200, else 1"};
inline constexpr ServerCommand kCerts{
    "certs",
    "Write a CA and a TLS certificate for the webhook Service (DIR/ca.crt, tls.crt, tls.key)"};
inline constexpr ServerCommand kAnalytics{"analytics", "Usage analytics of a hosted TraceAssist"};
inline constexpr ServerCommand kInspectImages{
    "inspect-images",
    "Read image configs from registries and print what they say, one JSON line per reference"};
inline constexpr ServerCommand kServerCommands[] = {kServe, kHealthcheck, kCerts, kAnalytics,
                                                    kInspectImages};

bool IsServerCommand(std::string_view arg);
// Names them in `traceassist --help`.
void RegisterServerCommandNames(CLI::App& app);
// Execs traceassist-server with the same argv; returns only when that fails (exit code 2, said
// why).
int ExecServer(char** argv);

// `instrument`, `uninstrument` and `detect`.
void RegisterInstrumentCommands(CLI::App& app, int& exit_code);

// `completion bash|zsh|fish`: a script generated from every command registered on `app` (register
// it last).
void RegisterCompletionCommand(CLI::App& app, int& exit_code);

// `analytics summary`: reads the usage table named by DATABASE_URL.
void RegisterAnalyticsCommands(CLI::App& app, int& exit_code);

// `serve` (HTTP API and admission webhook) and `healthcheck` (GET /health for the container).
void RegisterServeCommands(CLI::App& app, int& exit_code);

// `inspect-images`: image configs from registries, as JSON lines (the CLI's --inspect-images).
void RegisterInspectImagesCommand(CLI::App& app, int& exit_code);

// The traceassist-server binary: beside this one (build tree, `cmake --install`), else the name for
// a PATH lookup.
std::string ServerBinary();

// `certs`: a CA and a server certificate for the webhook.
void RegisterCertsCommand(CLI::App& app, int& exit_code);

}  // namespace traceassist::cmd
