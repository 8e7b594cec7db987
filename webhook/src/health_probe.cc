#include "traceassist/webhook/health_probe.h"

#include <fmt/format.h>
#include <httplib.h>

namespace traceassist::webhook {

bool ProbeHealth(const std::string& url, std::chrono::milliseconds timeout, std::string& detail) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    detail = "the URL must look like http://host:port/health";
    return false;
  }
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  if (!client.is_valid()) {
    detail = "unsupported URL: " + origin;
    return false;
  }
  client.enable_server_certificate_verification(false);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  const auto result = client.Get(path);
  if (!result) {
    detail = fmt::format("{}: {}", url, httplib::to_string(result.error()));
    return false;
  }
  detail = fmt::format("{}: HTTP {}", url, result->status);
  return result->status == 200;
}

}  // namespace traceassist::webhook
