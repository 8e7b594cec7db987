// ViewFromJson: the neutral view of a workload given as a JSON object (the admission webhook's
// input).
#include <nlohmann/json.hpp>

#include "traceassist/instrument/json_object.h"
#include "view_builder.h"

namespace traceassist::instrument {
namespace {

struct JsonAdapter {
  using Node = const nlohmann::json*;
  std::optional<Node> Get(Node map, std::string_view key) const {
    if (!map->is_object()) return std::nullopt;
    const auto it = map->find(key);
    if (it == map->end()) return std::nullopt;
    return &*it;
  }
  bool IsMap(Node n) const { return n->is_object(); }
  bool IsSeq(Node n) const { return n->is_array(); }
  int Line(Node) const { return 0; }
  std::string Scalar(Node n) const {
    if (n->is_string()) return n->get<std::string>();
    if (n->is_boolean()) return n->get<bool>() ? "true" : "false";
    if (n->is_number()) return n->dump();
    return {};
  }
  std::vector<Node> Items(Node seq) const {
    std::vector<Node> items;
    if (seq->is_array()) {
      for (const auto& item : *seq) items.push_back(&item);
    }
    return items;
  }
  template <typename F>
  void ForEachEntry(Node map, F f) const {
    if (!map->is_object()) return;
    for (const auto& [key, value] : map->items()) f(key, Scalar(&value));
  }
};

}  // namespace

WorkloadView ViewFromJson(const nlohmann::json& object) {
  const JsonAdapter a;
  std::string kind;
  if (const auto k = a.Get(&object, "kind")) kind = a.Scalar(*k);
  if (!IsWorkloadKind(kind)) {
    WorkloadView w;
    w.kind = kind;
    return w;
  }
  return BuildWorkloadView(a, &object, kind);
}

}  // namespace traceassist::instrument
