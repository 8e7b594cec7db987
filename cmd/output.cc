#include "output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace traceassist::cmd {
namespace {

// A key written plain when it cannot be read as anything but a string, else as a JSON string
// (every JSON string is a valid YAML double-quoted scalar).
std::string YamlKey(const std::string& key) {
  const bool plain = !key.empty() &&
                     (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_') &&
                     std::all_of(key.begin(), key.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) ||
                              (c != '\0' && std::strchr("_./-", c) != nullptr);
                     });
  return plain ? key : nlohmann::json(key).dump();
}

// Block YAML for objects and arrays; scalars (and empty containers) in JSON syntax, which YAML
// reads the same.
void AppendYaml(const nlohmann::json& value, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, item] : value.items()) {
      out += fmt::format("{}{}:", pad, YamlKey(key));
      if ((item.is_object() || item.is_array()) && !item.empty()) {
        out += '\n';
        AppendYaml(item, indent + 2, out);
      } else {
        out += ' ' + item.dump() + '\n';
      }
    }
  } else if (value.is_array() && !value.empty()) {
    for (const auto& item : value) {
      if ((item.is_object() || item.is_array()) && !item.empty()) {
        std::string nested;
        AppendYaml(item, indent + 2, nested);
        out += pad + "- " + nested.substr(static_cast<std::size_t>(indent) + 2);
      } else {
        out += pad + "- " + item.dump() + '\n';
      }
    }
  } else {
    out += pad + value.dump() + '\n';
  }
}

}  // namespace

void WriteStdout(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      // The reader is gone: end as a pipeline expects, with no message.
      std::signal(SIGPIPE, SIG_DFL);
      std::raise(SIGPIPE);
    }
    if (n < 0) throw OutputError(std::strerror(errno));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

ReportFormat ParseReportFormat(const std::string& name) {
  if (name == "json") return ReportFormat::kJson;
  if (name == "yaml") return ReportFormat::kYaml;
  return ReportFormat::kText;
}

std::string RenderStructured(const nlohmann::json& report, ReportFormat format) {
  if (format == ReportFormat::kJson) return report.dump(2) + '\n';
  std::string out;
  AppendYaml(report, 0, out);
  return out;
}

}  // namespace traceassist::cmd
