// Builds a WorkloadView from any tree through a small adapter, so YAML text (yaml_rewrite.cc) and
// JSON objects (json_object.cc) are read by the same code. Private to the library.
//
// An adapter provides, for its node handle type `Node`:
//   std::optional<Node> Get(Node map, std::string_view key) const;  // nullopt when absent or not a
//   map bool IsMap(Node) const; bool IsSeq(Node) const; std::string Scalar(Node) const; // "" for
//   non-scalars and null std::vector<Node> Items(Node seq) const;    // empty when not a sequence
//   void ForEachEntry(Node map, F f) const;     // f(key, value) for scalar-keyed entries of a map
//   int Line(Node) const;                       // 1-based line in the text; 0 when not from text
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

template <typename Adapter, typename Node>
std::vector<std::string> ScalarList(const Adapter& a, std::optional<Node> seq) {
  std::vector<std::string> out;
  if (seq) {
    for (const Node& item : a.Items(*seq)) out.push_back(a.Scalar(item));
  }
  return out;
}

template <typename Adapter, typename Node>
ContainerView BuildContainerView(const Adapter& a, Node c, ContainerRole role) {
  ContainerView view;
  view.role = role;
  view.line = a.Line(c);
  if (auto name = a.Get(c, "name")) {
    view.name = a.Scalar(*name);
    view.line = a.Line(*name);
  }
  if (auto image = a.Get(c, "image")) view.image = a.Scalar(*image);
  view.command = ScalarList(a, a.Get(c, "command"));
  view.args = ScalarList(a, a.Get(c, "args"));
  if (auto env = a.Get(c, "env")) {
    for (const Node& e : a.Items(*env)) {
      if (!a.IsMap(e)) continue;
      EnvVarView var;
      if (auto name = a.Get(e, "name")) var.name = a.Scalar(*name);
      if (auto value = a.Get(e, "value")) var.value = a.Scalar(*value);
      var.value_from = a.Get(e, "valueFrom").has_value();
      view.env.push_back(std::move(var));
    }
  }
  for (std::string_view probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    if (auto p = a.Get(c, probe)) {
      if (auto http = a.Get(*p, "httpGet")) {
        if (auto path = a.Get(*http, "path")) view.probe_paths.push_back(a.Scalar(*path));
      }
    }
  }
  if (auto mounts = a.Get(c, "volumeMounts")) {
    for (const Node& m : a.Items(*mounts)) {
      if (auto path = a.Get(m, "mountPath")) view.mount_paths.push_back(a.Scalar(*path));
    }
  }
  return view;
}

// Reads the workload at `root` of kind `kind` (a workload kind, see IsWorkloadKind).
template <typename Adapter, typename Node>
WorkloadView BuildWorkloadView(const Adapter& a, Node root, std::string_view kind) {
  WorkloadView w;
  w.kind = std::string(kind);
  w.line = a.Line(root);
  if (auto meta = a.Get(root, "metadata")) {
    if (auto name = a.Get(*meta, "name")) {
      w.name = a.Scalar(*name);
      w.line = a.Line(*name);
    }
    if (w.name.empty()) {
      if (auto generate = a.Get(*meta, "generateName")) w.name = a.Scalar(*generate);
    }
    if (auto ns = a.Get(*meta, "namespace")) w.namespace_ = a.Scalar(*ns);
    if (auto refs = a.Get(*meta, "ownerReferences")) {
      for (const Node& ref : a.Items(*refs)) {
        const auto controller = a.Get(ref, "controller");
        if (!controller || a.Scalar(*controller) != "true") continue;
        const auto kind = a.Get(ref, "kind");
        const auto name = a.Get(ref, "name");
        w.controller = (kind ? a.Scalar(*kind) : "") + "/" + (name ? a.Scalar(*name) : "");
        break;
      }
    }
  }
  std::optional<Node> tmpl = root;
  for (std::string_view key : PodTemplatePath(kind)) {
    tmpl = a.Get(*tmpl, key);
    if (!tmpl) return w;
  }
  if (!a.IsMap(*tmpl)) return w;
  const auto spec = a.Get(*tmpl, "spec");
  if (!spec || !a.IsMap(*spec)) return w;
  const auto containers = a.Get(*spec, "containers");
  if (!containers || !a.IsSeq(*containers)) return w;
  w.has_template = true;
  if (auto meta = a.Get(*tmpl, "metadata")) {
    if (auto annotations = a.Get(*meta, "annotations")) {
      a.ForEachEntry(*annotations, [&](std::string key, std::string value) {
        w.annotations.emplace_back(std::move(key), std::move(value));
      });
    }
  }
  for (const Node& c : a.Items(*containers)) {
    if (a.IsMap(c)) w.containers.push_back(BuildContainerView(a, c, ContainerRole::kContainer));
  }
  if (auto init = a.Get(*spec, "initContainers")) {
    for (const Node& c : a.Items(*init)) {
      if (a.IsMap(c))
        w.containers.push_back(BuildContainerView(a, c, ContainerRole::kInitContainer));
    }
  }
  if (auto share = a.Get(*spec, "shareProcessNamespace")) {
    const std::string value = a.Scalar(*share);
    if (value == "true") w.share_process_namespace = true;
    if (value == "false") w.share_process_namespace = false;
  }
  return w;
}

}  // namespace traceassist::instrument
