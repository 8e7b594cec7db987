// The policy on a Kubernetes object given as JSON: the neutral view in, an RFC 6902 patch out.
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

// The string items of an array member (other items are ignored: the API server would have refused
// them anyway).
std::vector<std::string> StringArray(const json& object, std::string_view key) {
  std::vector<std::string> out;
  const json* array = Member(object, key);
  if (array == nullptr || !array->is_array()) return out;
  for (const json& item : *array) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

ContainerView ContainerFromJson(const json& c, ContainerRole role) {
  ContainerView view;
  view.role = role;
  view.name = StringMember(c, "name");
  view.image = StringMember(c, "image");
  view.command = StringArray(c, "command");
  view.args = StringArray(c, "args");
  if (const json* env = Member(c, "env"); env != nullptr && env->is_array()) {
    for (const json& var : *env) {
      if (!var.is_object()) continue;
      EnvVarView e;
      e.name = StringMember(var, "name");
      e.value = StringMember(var, "value");
      e.value_from = Member(var, "valueFrom") != nullptr;
      view.env.push_back(std::move(e));
    }
  }
  for (std::string_view probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    const json* p = Member(c, probe);
    const json* http_get = p != nullptr ? Member(*p, "httpGet") : nullptr;
    if (http_get == nullptr) continue;
    if (std::string path = StringMember(*http_get, "path"); !path.empty()) {
      view.probe_paths.push_back(std::move(path));
    }
  }
  if (const json* mounts = Member(c, "volumeMounts"); mounts != nullptr && mounts->is_array()) {
    for (const json& m : *mounts) {
      if (std::string path = StringMember(m, "mountPath"); !path.empty()) {
        view.mount_paths.push_back(std::move(path));
      }
    }
  }
  return view;
}

// Follows PodTemplatePath(kind) from the root; null when a step is missing or not an object.
const json* FindTemplate(const json& object, std::string_view kind) {
  const json* node = &object;
  for (std::string_view key : PodTemplatePath(kind)) {
    node = Member(*node, key);
    if (node == nullptr || !node->is_object()) return nullptr;
  }
  return node;
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

WorkloadView ViewFromJson(const json& object) {
  WorkloadView view;
  view.kind = StringMember(object, "kind");
  if (const json* metadata = Member(object, "metadata"); metadata != nullptr) {
    view.name = StringMember(*metadata, "name");
    if (view.name.empty()) view.name = StringMember(*metadata, "generateName");
    view.namespace_ = StringMember(*metadata, "namespace");
  }
  if (!IsWorkloadKind(view.kind)) return view;

  const json* pod_template = FindTemplate(object, view.kind);
  const json* spec = pod_template != nullptr ? Member(*pod_template, "spec") : nullptr;
  if (spec == nullptr || !spec->is_object()) return view;
  const json* containers = Member(*spec, "containers");
  if (containers != nullptr && !containers->is_array()) return view;

  // Annotations that are not strings cannot come from the API server; they are left out of the view
  // rather than guessed at.
  const json* metadata = Member(*pod_template, "metadata");
  if (const json* annotations = metadata != nullptr ? Member(*metadata, "annotations") : nullptr;
      annotations != nullptr && annotations->is_object()) {
    for (const auto& [key, value] : annotations->items()) {
      if (value.is_string()) view.annotations.emplace_back(key, value.get<std::string>());
    }
  }
  for (auto [key, role] : {std::pair{"containers", ContainerRole::kContainer},
                           std::pair{"initContainers", ContainerRole::kInitContainer}}) {
    const json* list = Member(*spec, key);
    if (list == nullptr || !list->is_array()) continue;
    for (const json& c : *list) {
      if (c.is_object()) view.containers.push_back(ContainerFromJson(c, role));
    }
  }
  if (const json* share = Member(*spec, "shareProcessNamespace"); share != nullptr && share->is_boolean()) {
    view.share_process_namespace = share->get<bool>();
  }
  view.has_template = true;
  return view;
}

json MakeJsonPatch(const json& object, const Decision& decision) {
  json patch = json::array();
  if (!decision.changes()) return patch;
  const std::string kind = StringMember(object, "kind");
  if (!IsWorkloadKind(kind)) return patch;

  // Walk to the pod template, then to its metadata and annotations. Every parent that is missing (or
  // null) is added as an empty map first: an `add` under a missing parent makes the API server reject
  // the request even with failurePolicy Ignore.
  std::string pointer;
  const json* node = &object;
  std::vector<std::string_view> steps = PodTemplatePath(kind);
  steps.push_back("metadata");
  steps.push_back("annotations");
  for (std::string_view step : steps) {
    pointer += '/';
    pointer += EscapePointerToken(step);
    const json* child = node != nullptr ? Member(*node, step) : nullptr;
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
