#include "verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "text_edit.h"
#include "traceassist/instrument/workload.h"
#include "yaml_tree.h"

namespace traceassist::instrument {
namespace {

using Type = YamlNode::Type;

bool IsListKind(std::string_view kind) {
  return kind.size() >= 4 && kind.substr(kind.size() - 4) == "List";
}

// Every lookup here follows merge keys (`<<`), as the rewrite and Kubernetes read a manifest: a
// kind brought in by a merge names a workload like any other.
//
// The annotations mapping of the object at `node` (kNoNode when there is none).
std::uint32_t AnnotationsOf(const YamlDocument& doc, std::uint32_t node, std::string_view kind) {
  std::uint32_t at = doc.Resolve(node);
  for (std::string_view key : PodTemplatePath(kind)) {
    const auto e = doc.FindMerged(at, key);
    if (!e) return YamlDocument::kNoNode;
    at = doc.Resolve(e->value);
  }
  for (std::string_view key : {"metadata", "annotations"}) {
    const auto e = doc.FindMerged(at, key);
    if (!e) return YamlDocument::kNoNode;
    at = doc.Resolve(e->value);
  }
  return at;
}

Status Mismatch(int document, const ObjectReport& o, const std::string& what) {
  return Status::Internal(
      fmt::format("internal check failed: the rewritten {} would not read back as intended ({}); "
                  "nothing was written; please report this input",
                  o.Ref(), what),
      {document, 0, 0});
}

Status CheckObject(const YamlDocument& doc, std::uint32_t node, const ObjectReport& o,
                   int document) {
  const std::uint32_t ann = AnnotationsOf(doc, node, o.kind);
  for (const auto& [key, value] : o.annotations_added) {
    const auto e = ann == YamlDocument::kNoNode ? std::nullopt : doc.FindMerged(ann, key);
    if (!e) return Mismatch(document, o, fmt::format("annotation {} is missing", key));
    if (doc.resolved(e->value).type != Type::kScalar || doc.Scalar(e->value) != value)
      return Mismatch(document, o, fmt::format("annotation {} does not read \"{}\"", key, value));
  }
  for (const auto& key : o.annotations_removed) {
    if (ann != YamlDocument::kNoNode && doc.FindMerged(ann, key))
      return Mismatch(document, o, fmt::format("annotation {} is still there", key));
  }
  return Status::Ok();
}

// Reads `text` back: it must hold `documents` documents, numbered from `first_document` on in the
// report, and the report's objects of the first `checked` of them must read as intended.
Status ReadBack(std::string_view text, const Report& report, int first_document, int documents,
                int checked, int max_depth) {
  const auto changed = [](const ObjectReport& o) {
    return o.status == ObjectStatus::kInstrumented || o.status == ObjectStatus::kUninstrumented;
  };
  const auto by_document = [](const ObjectReport& o, int n) { return o.document < n; };
  // The report's objects in document order, each matched with the workload it came from: the
  // document's root, or the items of a list in order (every workload-kind item has a report).
  auto next = static_cast<std::size_t>(
      std::lower_bound(report.objects.begin(), report.objects.end(), first_document, by_document) -
      report.objects.begin());
  const auto end =
      static_cast<std::size_t>(std::lower_bound(report.objects.begin(), report.objects.end(),
                                                first_document + checked, by_document) -
                               report.objects.begin());
  int seen = 0;
  Status s = ParseYamlDocuments(text, max_depth, [&](const YamlDocument& doc) -> Status {
    seen = doc.number();
    const int number = first_document - 1 + doc.number();
    const std::uint32_t root = doc.root();
    std::vector<std::uint32_t> objects;
    std::string_view listed;  // the kind of a typed list's items (rewrite.h: kindless items)
    if (root != YamlDocument::kNoNode && doc.resolved(root).type == Type::kMap) {
      const auto kind = doc.FindMerged(root, "kind");
      const auto items = doc.FindMerged(root, "items");
      if (kind && items && IsListKind(doc.Scalar(kind->value)) &&
          doc.resolved(items->value).type == Type::kSeq) {
        if (doc.Scalar(kind->value) != "List")
          listed = doc.Scalar(kind->value).substr(0, doc.Scalar(kind->value).size() - 4);
        const YamlNode& seq = doc.resolved(items->value);
        for (std::uint32_t k = 0; k < seq.count; ++k) objects.push_back(doc.child(seq, k));
      } else {
        objects.push_back(root);
      }
    }
    for (std::uint32_t node : objects) {
      if (next >= end || report.objects[next].document != number) break;
      const auto kind = doc.FindMerged(node, "kind");
      if ((kind ? doc.Scalar(kind->value) : listed) != report.objects[next].kind) continue;
      const ObjectReport& o = report.objects[next++];
      if (changed(o)) {
        if (Status c = CheckObject(doc, node, o, number); !c.ok()) return c;
      }
    }
    // Any report object of this document left unmatched means the document no longer holds it.
    while (next < end && report.objects[next].document == number) {
      const ObjectReport& o = report.objects[next++];
      if (changed(o)) return Mismatch(number, o, "the object is no longer where it was");
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

}  // namespace

Status VerifyRewrite(std::string_view output, const Report& report, int documents, int max_depth) {
  return ReadBack(output, report, 1, documents, documents, max_depth);
}

Status VerifyChangedDocuments(std::string_view input, const std::vector<Splice>& splices,
                              const std::vector<std::size_t>& document_starts,
                              std::string_view output, const Report& report, int max_depth) {
  const int documents = static_cast<int>(document_starts.size());
  // The input's stretches: [cuts[i], cuts[i + 1]), cut at the start of each marker line.
  std::vector<std::size_t> cuts{0};
  for (std::size_t at = NextDocumentMarker(input, 0); at != std::string_view::npos;
       at = NextDocumentMarker(input, at)) {
    cuts.push_back(at);
  }
  cuts.push_back(input.size());
  // A splice belongs to the stretch holding its position; one at a cut (lines inserted at the end
  // of a document) to the stretch that ends there.
  auto stretch_of = [&](std::size_t pos) {
    const auto it = std::lower_bound(cuts.begin() + 1, cuts.end() - 1, pos);
    return static_cast<std::size_t>(it - cuts.begin()) - 1;
  };
  // Output offset of cut `c`: after every splice of the stretches before it.
  std::size_t next_splice = 0;
  std::ptrdiff_t shift = 0;
  auto output_at = [&](std::size_t c) {
    for (; next_splice < splices.size() && (c == 0 ? false : splices[next_splice].pos <= cuts[c]);
         ++next_splice) {
      shift += static_cast<std::ptrdiff_t>(splices[next_splice].inserted) -
               static_cast<std::ptrdiff_t>(splices[next_splice].erased);
    }
    return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(cuts[c]) + shift);
  };
  std::size_t k = 0;
  while (k < splices.size()) {
    // A run of consecutive changed stretches [first, last].
    const std::size_t first = stretch_of(splices[k].pos);
    std::size_t last = first;
    for (; k < splices.size(); ++k) {
      const std::size_t s = stretch_of(splices[k].pos);
      if (s > last + 1) break;
      last = s;
    }
    const std::size_t from = output_at(first);
    std::size_t to = output_at(last + 1);
    // The documents that start in the run, by number.
    const auto doc_begin =
        std::lower_bound(document_starts.begin(), document_starts.end(), cuts[first]);
    const auto doc_end =
        std::lower_bound(document_starts.begin(), document_starts.end(), cuts[last + 1]);
    const int first_document = static_cast<int>(doc_begin - document_starts.begin()) + 1;
    const int count = static_cast<int>(doc_end - doc_begin);
    int expected = count;
    if (last + 2 < cuts.size()) {
      // With the next marker line: a quote or bracket left open would swallow it.
      to = std::min(output.size(), NextLineStart(output, to));
      ++expected;
    }
    if (!ReadBack(output.substr(from, to - from), report, first_document, expected, count,
                  max_depth)
             .ok()) {
      // Not to be judged on its own: the whole stream decides (and names the place).
      return VerifyRewrite(output, report, documents, max_depth);
    }
  }
  return Status::Ok();
}

}  // namespace traceassist::instrument
