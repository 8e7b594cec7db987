// Parsing of the `WWW-Authenticate` challenges a registry answers 401 with (RFC 7235), e.g.
// `Bearer
// realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace traceassist::registry {

struct Challenge {
  std::string scheme;                         // lower-case: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lower-case; values unquoted
};

// Every challenge in the header value, in order. Malformed parts end the parse: what was read so
// far is returned (possibly nothing). Never throws; linear in the input.
std::vector<Challenge> ParseWwwAuthenticate(std::string_view header);

}  // namespace traceassist::registry
