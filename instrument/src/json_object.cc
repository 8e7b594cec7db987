// MakeJsonPatch: a decision as an RFC 6902 patch that applies to exactly the object given (the
// webhook's answer). ViewFromJson is in json_view.cc.
#include "traceassist/instrument/json_object.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace traceassist::instrument {
namespace {

using nlohmann::json;

// The member `key` of `object` when `object` is a JSON object that has it; null otherwise.
const json* Member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringMember(const json& object, std::string_view key) {
  const json* value = Member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// RFC 6901 reference token: "~" as "~0", "/" as "~1".
std::string EscapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size() + 4);
  for (char ch : token) {
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

json MakeJsonPatch(const json& object, const Decision& decision) {
  json patch = json::array();
  if (!decision.changes()) return patch;
  const std::string kind = StringMember(object, "kind");
  if (!IsWorkloadKind(kind)) return patch;

  // Walk to the pod template, then to its metadata and annotations. Every parent that is missing
  // (or null) is added as an empty map first: an `add` under a missing parent makes the API server
  // reject the request even with failurePolicy Ignore.
  std::string pointer;
  std::string metadata_pointer;
  const json* node = &object;
  const json* metadata = nullptr;  // the template's metadata map when it exists
  std::vector<std::string_view> steps = PodTemplatePath(kind);
  steps.push_back("metadata");
  steps.push_back("annotations");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (i + 1 == steps.size()) {
      metadata_pointer = pointer;
      metadata = node;
    }
    pointer += '/';
    pointer += EscapePointerToken(steps[i]);
    const json* child = node != nullptr ? Member(*node, steps[i]) : nullptr;
    if (child == nullptr || child->is_null()) {
      patch.push_back({{"op", "add"}, {"path", pointer}, {"value", json::object()}});
      node = nullptr;  // everything below is new
    } else if (child->is_object()) {
      node = child;
    } else {
      return json::array();  // a parent of another type: no patch could apply cleanly
    }
  }

  const json* annotations = node;  // null when the map was just added
  bool all_removed = annotations != nullptr && !annotations->empty() && decision.set.empty();
  if (all_removed) {
    for (const auto& entry : annotations->items()) {
      if (std::find(decision.remove.begin(), decision.remove.end(), entry.key()) ==
          decision.remove.end()) {
        all_removed = false;
        break;
      }
    }
  }
  if (all_removed) {
    // Every annotation was ours: remove the map, and the metadata when that was all it held, as
    // the CLI does, so removal restores the template TraceAssist found.
    const bool metadata_only_annotations = metadata != nullptr && metadata->size() == 1;
    return json::array(
        {{{"op", "remove"}, {"path", metadata_only_annotations ? metadata_pointer : pointer}}});
  }
  const std::string prefix = pointer + '/';
  for (const auto& [key, value] : decision.set) {
    const bool exists = annotations != nullptr && annotations->contains(key);
    patch.push_back({{"op", exists ? "replace" : "add"},
                     {"path", prefix + EscapePointerToken(key)},
                     {"value", value}});
  }
  for (const std::string& key : decision.remove) {
    // `remove` of a missing member fails the whole patch; a key already gone needs nothing.
    if (annotations != nullptr && annotations->contains(key)) {
      patch.push_back({{"op", "remove"}, {"path", prefix + EscapePointerToken(key)}});
    }
  }
  // Only parent maps and nothing to write into them: the object is already as decided.
  const bool writes_keys = std::any_of(patch.begin(), patch.end(), [&](const json& op) {
    return op["path"].get<std::string>().size() > pointer.size();
  });
  if (!writes_keys) return json::array();
  return patch;
}

}  // namespace traceassist::instrument
