// Reading a whole file, for the server side's small files (certificates, tokens, settings, /proc).
// Thread-safe.
#pragma once

#include <optional>
#include <string>

namespace traceassist::common {

// The bytes of the file at `path`; nullopt when it cannot be opened (errno says why). A file that
// opens but cannot be read (a directory) gives what was read, often "".
std::optional<std::string> ReadFile(const std::string& path);

}  // namespace traceassist::common
