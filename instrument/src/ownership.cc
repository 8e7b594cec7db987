// The ownership marker: reading which keys TraceAssist wrote (and which the user edited since), and
// writing it.
#include "ownership.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "match.h"
#include "traceassist/instrument/policy.h"

namespace traceassist::instrument {
namespace {

constexpr std::string_view kDigests = "digests=";

// 32-bit FNV-1a of the value, as 8 lower-case hex digits (README "What is written").
std::string Digest(std::string_view value) {
  std::uint32_t h = 2166136261u;
  for (const char c : value) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return fmt::format("{:08x}", h);
}

}  // namespace

Ownership ReadOwnership(const Annotations& annotations) {
  Ownership o;
  const std::string* marker = FindAnnotation(annotations, kManagedKey);
  if (marker == nullptr) return o;
  std::vector<std::string> keys;
  std::vector<std::string> digests;
  bool has_digests = false;
  for (const std::string& item : Split(*marker, ',')) {
    if (item.find(':') != std::string::npos) continue;  // the record of what was there
    if (item.rfind(kDigests, 0) == 0) {
      has_digests = true;
      digests = Split(std::string_view(item).substr(kDigests.size()), '.');
    } else {
      keys.push_back(std::string(kOperatorPrefix) + item);
    }
  }
  // Without digests (markers written before them) every listed key counts as TraceAssist's. With
  // digests that do not pair up with the keys, the marker was edited by hand: every key is the
  // user's, as is each key whose value no longer has the digest of what TraceAssist wrote.
  const bool paired = digests.size() == keys.size();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string* value = FindAnnotation(annotations, keys[i]);
    if (!has_digests || (value != nullptr && paired && Digest(*value) == digests[i]))
      o.owned.insert(keys[i]);
    else if (value != nullptr)
      o.edited.push_back(keys[i]);
  }
  return o;
}

std::string MakeMarker(const Annotations& written, std::string_view original) {
  std::string keys, digests;
  for (const auto& [key, value] : written) {
    keys += std::string_view(key).substr(kOperatorPrefix.size());
    keys += ',';
    if (!digests.empty()) digests += '.';
    digests += Digest(value);
  }
  std::string marker = keys + std::string(kDigests) + digests;
  if (!original.empty()) marker += fmt::format(",{}", original);
  return marker;
}

bool OldFormOf(std::string_view marker, std::string_view made) {
  const std::size_t at = made.find(kDigests);
  if (at == std::string_view::npos) return false;
  const std::size_t end = made.find(',', at);
  const std::string_view keys = made.substr(0, at > 0 ? at - 1 : 0);
  return marker == (end == std::string_view::npos ? std::string(keys)
                                                  : fmt::format("{}{}", keys, made.substr(end)));
}

std::string_view ManagedOriginal(std::string_view marker) {
  for (std::size_t start = 0; start <= marker.size();) {
    const std::size_t end = std::min(marker.find(',', start), marker.size());
    const std::string_view item = marker.substr(start, end - start);
    if (item.find(':') != std::string_view::npos) return item;
    start = end + 1;
  }
  return {};
}

bool IsNullWord(std::string_view word) {
  return word == "~" || word == "null" || word == "Null" || word == "NULL";
}

bool IsEmptyValueRecord(std::string_view bytes) {
  auto skip = [&bytes](std::string_view chars) {
    bytes.remove_prefix(std::min(bytes.find_first_not_of(chars), bytes.size()));
  };
  skip(" \t");
  const std::string_view word = bytes.substr(0, bytes.find_first_of(" \t"));
  if (word.empty() || IsNullWord(word)) {
    bytes.remove_prefix(word.size());
  } else {
    // Node properties end at a blank or a flow indicator (yaml-cpp 0.7), then the empty map.
    while (!bytes.empty() && (bytes[0] == '!' || bytes[0] == '&')) {
      bytes.remove_prefix(std::min(bytes.find_first_of(" \t{}[],#\"'"), bytes.size()));
      skip(" \t");
    }
    if (bytes.empty() || bytes[0] != '{') return false;
    bytes.remove_prefix(1);
    skip(" \t");
    if (bytes.empty() || bytes[0] != '}') return false;
    bytes.remove_prefix(1);
  }
  skip(" \t");
  return bytes.empty();
}

}  // namespace traceassist::instrument
