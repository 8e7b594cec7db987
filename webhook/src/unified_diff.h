// A unified diff (as `diff -u`) between two texts, for the API's optional `diff` field.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace traceassist::webhook {

// Returns "" when the texts are equal; otherwise `--- a/<name>` / `+++ b/<name>` and hunks with three
// lines of context. Line endings are kept as they are (CRLF stays CRLF); a last line without a newline
// is followed by "\ No newline at end of file", as diff(1) and patch(1) expect.
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view name);

}  // namespace traceassist::webhook
