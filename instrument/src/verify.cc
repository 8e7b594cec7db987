#include "verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "traceassist/instrument/workload.h"
#include "yaml_tree.h"

namespace traceassist::instrument {
namespace {

using Type = YamlNode::Type;

bool IsListKind(std::string_view kind) {
  return kind.size() >= 4 && kind.substr(kind.size() - 4) == "List";
}

// The annotations mapping of the object at `node` (kNoNode when there is none).
std::uint32_t AnnotationsOf(const YamlDocument& doc, std::uint32_t node, std::string_view kind) {
  std::uint32_t at = doc.Resolve(node);
  for (std::string_view key : PodTemplatePath(kind)) {
    const auto e = doc.Find(at, key);
    if (!e) return YamlDocument::kNoNode;
    at = doc.Resolve(e->value);
  }
  for (std::string_view key : {"metadata", "annotations"}) {
    const auto e = doc.Find(at, key);
    if (!e) return YamlDocument::kNoNode;
    at = doc.Resolve(e->value);
  }
  return at;
}

Status Mismatch(const YamlDocument& doc, const ObjectReport& o, const std::string& what) {
  return Status::Internal(
      fmt::format("internal check failed: the rewritten {} would not read back as intended ({}); "
                  "nothing was written; please report this input",
                  o.Ref(), what),
      {doc.number(), 0, 0});
}

Status CheckObject(const YamlDocument& doc, std::uint32_t node, const ObjectReport& o) {
  const std::uint32_t ann = AnnotationsOf(doc, node, o.kind);
  for (const auto& [key, value] : o.annotations_added) {
    const auto e = ann == YamlDocument::kNoNode ? std::nullopt : doc.Find(ann, key);
    if (!e) return Mismatch(doc, o, fmt::format("annotation {} is missing", key));
    if (doc.resolved(e->value).type != Type::kScalar || doc.Scalar(e->value) != value)
      return Mismatch(doc, o, fmt::format("annotation {} does not read \"{}\"", key, value));
  }
  for (const auto& key : o.annotations_removed) {
    if (ann != YamlDocument::kNoNode && doc.Find(ann, key))
      return Mismatch(doc, o, fmt::format("annotation {} is still there", key));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyRewrite(std::string_view output, const Report& report, int documents, int max_depth) {
  // The report's objects in document order, each matched with the workload it came from: the
  // document's root, or the items of a list in order (every workload-kind item has a report).
  std::size_t next = 0;
  int seen = 0;
  Status s = ParseYamlDocuments(output, max_depth, [&](const YamlDocument& doc) -> Status {
    seen = doc.number();
    const auto changed = [](const ObjectReport& o) {
      return o.status == ObjectStatus::kInstrumented || o.status == ObjectStatus::kUninstrumented;
    };
    const std::uint32_t root = doc.root();
    std::vector<std::uint32_t> objects;
    if (root != YamlDocument::kNoNode && doc.resolved(root).type == Type::kMap) {
      const auto kind = doc.Find(root, "kind");
      const auto items = doc.Find(root, "items");
      if (kind && items && IsListKind(doc.Scalar(kind->value)) &&
          doc.resolved(items->value).type == Type::kSeq) {
        const YamlNode& seq = doc.resolved(items->value);
        for (std::uint32_t k = 0; k < seq.count; ++k) objects.push_back(doc.child(seq, k));
      } else {
        objects.push_back(root);
      }
    }
    for (std::uint32_t node : objects) {
      if (next >= report.objects.size() || report.objects[next].document != doc.number()) break;
      const auto kind = doc.Find(node, "kind");
      if (!kind || doc.Scalar(kind->value) != report.objects[next].kind) continue;
      const ObjectReport& o = report.objects[next++];
      if (changed(o)) {
        if (Status c = CheckObject(doc, node, o); !c.ok()) return c;
      }
    }
    // Any report object of this document left unmatched means the document no longer holds it.
    while (next < report.objects.size() && report.objects[next].document == doc.number()) {
      const ObjectReport& o = report.objects[next++];
      if (changed(o)) return Mismatch(doc, o, "the object is no longer where it was");
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    return Status::Internal(
        fmt::format("internal check failed: the rewritten text does not parse ({}); "
                    "nothing was written; please report this input",
                    s.message()),
        s.where());
  }
  if (seen != documents) {
    return Status::Internal(
        fmt::format("internal check failed: the rewritten text has {} documents "
                    "instead of {}; nothing was written; please report this input",
                    seen, documents));
  }
  return Status::Ok();
}

}  // namespace traceassist::instrument
