// Unified diffs of two texts, line by line (Myers' algorithm), as `diff -u` prints them.
#pragma once

#include <string>
#include <string_view>

namespace traceassist::instrument {

// Returns "" when the texts are equal. Lines keep their own line breaks; a last line without one is
// followed by "\ No newline at end of file", as in GNU diff.
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view from_name,
                        std::string_view to_name, int context = 3);

}  // namespace traceassist::instrument
