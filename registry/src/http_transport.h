// One HTTPS exchange with libcurl, under the client's network policy: the resolved address is
// checked before connecting (CURLOPT_OPENSOCKETFUNCTION), plain HTTP only for insecure hosts,
// deadlines per request, bounded bodies; redirects are followed here, hop by hop, only over HTTPS
// to public addresses and without the Authorization header. Thread-safe: every call uses its own
// curl handle.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "traceassist/registry/options.h"
#include "traceassist/registry/outcome.h"

namespace traceassist::registry {

using Clock = std::chrono::steady_clock;

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD or POST
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string post_fields;           // form body for POST
  std::uint64_t max_body = 1u << 20;
  bool follow_redirects = true;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; the last value wins
  std::string url;                             // after redirects
};

struct HttpFailure {
  Outcome outcome = Outcome::kError;
  std::string message;
};

class HttpTransport {
 public:
  explicit HttpTransport(const RegistryOptions& options);
  // Performs `request` before `deadline` (and within options.request_timeout). Statuses are
  // returned as responses (the caller decides); a refused address, scheme or redirect, a transport
  // error, a body over max_body and a missed deadline are failures.
  std::variant<HttpResponse, HttpFailure> Perform(const HttpRequest& request,
                                                  Clock::time_point deadline) const;

 private:
  std::variant<HttpResponse, HttpFailure> PerformOnce(const HttpRequest& request, bool redirected,
                                                      Clock::time_point deadline) const;
  const RegistryOptions& options_;
};

struct UrlParts {
  std::string scheme, host, port;  // host without brackets; port may be empty
};
// Parses an absolute URL; false when it is not one.
bool ParseUrl(const std::string& url, UrlParts& parts);

}  // namespace traceassist::registry
