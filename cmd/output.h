// Where the CLI's results go: standard output written so that no failure passes unseen, and the
// reports in the format chosen with -o/--output.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace traceassist::cmd {

// Standard output could not be written (a full disk, /dev/full, an I/O error). Run() turns it into
// a message and exit code 1.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `text` to standard output (file descriptor 1, unbuffered). A closed pipe (`| head`) ends
// the process quietly by SIGPIPE, even when SIGPIPE was ignored by the parent; any other failure
// throws OutputError.
void WriteStdout(std::string_view text);

// Report formats of -o/--output.
enum class ReportFormat { kText, kJson, kYaml };
ReportFormat ParseReportFormat(const std::string& name);  // "text", "json" or "yaml"

// `report` as pretty JSON or as block YAML (kText is not structured: the caller renders it).
std::string RenderStructured(const nlohmann::json& report, ReportFormat format);

}  // namespace traceassist::cmd
