// Keeping database passwords out of logs and error messages.
#pragma once

#include <string>
#include <string_view>

namespace traceassist::analytics {

// Returns `message` with the password of `database_url` (raw and decoded) and the URL itself
// replaced by their redacted forms, on one line. Use on any text that might echo the connection
// string.
std::string ScrubSecrets(std::string message, std::string_view database_url);

// Returns the connection string with a connect_timeout added when it has none, so that a connect
// attempt to an unresponsive host cannot hold the writer (and a shutdown) for long.
std::string WithConnectTimeout(std::string_view database_url, int seconds);

}  // namespace traceassist::analytics
