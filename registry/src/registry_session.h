// Requests to one registry endpoint (a mirror or the registry itself) for one repository, with the
// registry's auth dance: a 401 with `WWW-Authenticate: Bearer realm=…` gets a token from the realm
// (anonymously, or with this host's credentials when the realm is this host or its known token
// service), `Basic` gets the host's credentials; a 429 is retried once after Retry-After when that
// fits the budget. Not thread-safe: one per inspection.
#pragma once

#include <string>
#include <variant>

#include "http_transport.h"

namespace traceassist::registry {

struct Endpoint {
  std::string base;      // "https://host[:port]/v2" (a mirror's path kept)
  std::string host;      // host name, no port
  std::string query;     // "?ns=docker.io" for mirrors (containerd), else empty
  std::string registry;  // the registry host the reference names (for messages)
  const Credential* credential = nullptr;
  bool mirror = false;
};

class RegistrySession {
 public:
  RegistrySession(const HttpTransport& http, const RegistryOptions& options, Endpoint endpoint,
                  std::string repository, Clock::time_point deadline);

  // `method` on <base>/<repository>/<suffix> ("manifests/latest", "blobs/sha256:…").
  std::variant<HttpResponse, HttpFailure> Request(const std::string& method,
                                                  const std::string& suffix,
                                                  const std::string& accept,
                                                  std::uint64_t max_body);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  std::variant<HttpResponse, HttpFailure> Send(const std::string& method, const std::string& url,
                                               const std::string& accept, std::uint64_t max_body);
  // Sets authorization_ from the 401's challenge; returns an error message or empty.
  HttpFailure Authorize(const HttpResponse& unauthorized);

  const HttpTransport& http_;
  const RegistryOptions& options_;
  Endpoint endpoint_;
  std::string repository_;
  Clock::time_point deadline_;
  std::string authorization_;  // "Authorization: …" once known
};

// Percent-encodes a query value.
std::string UrlEncode(std::string_view value);

}  // namespace traceassist::registry
