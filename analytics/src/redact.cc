#include "redact.h"

#include <libpq-fe.h>

#include <regex>

#include "traceassist/analytics/postgres_sink.h"

namespace traceassist::analytics {
namespace {

bool IsUri(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string RedactDatabaseUrl(std::string_view url) {
  std::string out(url);
  if (IsUri(url)) {
    const std::size_t authority = out.find("://") + 3;
    const std::size_t end = out.find_first_of("/?", authority);
    const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= authority) {
      const std::size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    static const std::regex kQueryPassword("([?&]password=)[^&]*");
    return std::regex_replace(out, kQueryPassword, "$1***");
  }
  static const std::regex kKeywordPassword(R"((password\s*=\s*)('(\\.|[^'\\])*'|\S*))");
  return std::regex_replace(out, kKeywordPassword, "$1***");
}

std::string ScrubSecrets(std::string message, std::string_view database_url) {
  // libpq messages span lines ("...failed: Connection refused\n\tIs the server running..."):
  // one line per log record.
  static const std::regex kBreaks(R"(\s*[\r\n\t]+\s*)");
  message = std::regex_replace(message, kBreaks, " ");
  while (!message.empty() && message.back() == ' ') message.pop_back();
  if (database_url.empty()) return message;
  const std::string redacted = RedactDatabaseUrl(database_url);
  ReplaceAll(message, database_url, redacted);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(database_url).c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options != nullptr) {
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
        ReplaceAll(message, option->val, "***");
      }
    }
    PQconninfoFree(options);
  }
  // The password as written in a URI (percent-encoded) may differ from the decoded one.
  if (IsUri(database_url)) {
    const std::string_view url(database_url);
    const std::size_t authority = url.find("://") + 3;
    const std::size_t end = url.find_first_of("/?", authority);
    const std::size_t at = url.rfind('@', end == std::string_view::npos ? url.size() : end);
    const std::size_t colon = url.find(':', authority);
    if (at != std::string_view::npos && at >= authority && colon != std::string_view::npos &&
        colon < at) {
      ReplaceAll(message, url.substr(colon + 1, at - colon - 1), "***");
    }
  }
  return message;
}

std::string WithConnectTimeout(std::string_view database_url, int seconds) {
  std::string url(database_url);
  if (url.find("connect_timeout") != std::string::npos) return url;
  if (IsUri(url)) {
    url += (url.find('?') == std::string::npos ? "?" : "&");
    url += "connect_timeout=" + std::to_string(seconds);
  } else {
    url += " connect_timeout=" + std::to_string(seconds);
  }
  return url;
}

}  // namespace traceassist::analytics
