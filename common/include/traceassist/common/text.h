// Small text helpers the server side shares: ASCII case folding, trimming, comma lists, base64.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace traceassist::common {

// `text` with ASCII letters lower-cased (other bytes as they are).
std::string ToLower(std::string_view text);
// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// `text` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view text);
// The items of a `sep`-separated list, each trimmed; empty items are left out ("a, ,b" → a, b).
std::vector<std::string> SplitList(std::string_view text, char sep = ',');
// Standard base64 (RFC 4648, with padding, no line breaks), through OpenSSL.
std::string Base64(std::string_view bytes);
// The bytes of standard base64 text (padded, no line breaks); nullopt when it is not base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace traceassist::common
