// Properties every successful rewrite must have, checked by the fuzz_rewrite target and replayed on
// the regression fixtures (test/data/regressions/rewrite/) by the normal test suite:
//   0. exit 0 means valid output: every object reported changed reads back, through yaml-cpp's own
//      LoadAll (not the library's tree), with each annotation added holding its value, each
//      annotation removed gone, and every other annotation key as it was (instrument and
//      uninstrument alike);
//   1. the output re-parses (yaml-cpp's parser, through a second run) into as many documents;
//   2. a second run on the output is byte-identical and reports changes_made false;
//   3. uninstrument of the output succeeds, re-parses, and a second uninstrument changes nothing;
//   4. when the input holds no TraceAssist or Operator annotation, uninstrument gives back the
//      input byte for byte, whatever its layout: flow maps, JSON, and `annotations:`/`metadata:`
//      that were empty, null or `~` (the ownership marker records what stood there);
//   5. a stream split at document markers (as the CLI does for large inputs) rewrites to the same
//   bytes.
// Header-only so that the g++ test build and the clang fuzz build share it. Pure functions:
// thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/report.h"
#include "traceassist/instrument/rewrite.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::fuzz {

namespace ti = traceassist::instrument;

// The option sets every input is run under: the defaults, and every switch turned the other way.
inline std::vector<ti::Options> PropertyOptionSets() {
  ti::Options all;
  all.instrumentation = "observability/default";
  all.enable_go = true;
  all.enable_nginx = true;
  all.init_containers = true;
  all.multi_instrumentation = false;
  all.min_confidence = ti::Confidence::kLow;
  return {ti::Options{}, all};
}

// The value of the first entry `key` of `map` (yaml-cpp keeps duplicate keys; the first wins), else
// of the maps its merge key (`<<`) brings in, in order, as the library and Kubernetes read them
// (yaml-cpp keeps `<<` as a plain key); or an undefined node. Read-only: never creates entries.
inline YAML::Node Child(const YAML::Node& map, const std::string& key, int depth = 0) {
  const YAML::Node undefined(YAML::NodeType::Undefined);
  if (!map.IsDefined() || !map.IsMap()) return undefined;
  std::optional<YAML::Node> merged;  // a copy rebinds; YAML::Node's assignment would write
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    if (kv.first.Scalar() == key) return kv.second;
    if (kv.first.Scalar() == "<<" && !merged) merged.emplace(kv.second);
  }
  if (!merged || depth >= 32) return undefined;  // the library's bound on merge chains
  if (merged->IsMap()) return Child(*merged, key, depth + 1);
  if (merged->IsSequence()) {
    for (const auto& m : *merged) {
      if (YAML::Node v = Child(m, key, depth + 1); v.IsDefined()) return v;
    }
  }
  return undefined;
}

inline YAML::Node Descend(const YAML::Node& node, const std::vector<std::string>& keys,
                          std::size_t i) {
  return i == keys.size() ? node : Descend(Child(node, keys[i]), keys, i + 1);
}

// The objects of a document: the items of a `*List`, else the document itself.
inline std::vector<YAML::Node> Objects(const YAML::Node& root) {
  if (!root.IsMap()) return {};
  const YAML::Node kind_node = Child(root, "kind");
  const std::string kind = kind_node.IsDefined() && kind_node.IsScalar() ? kind_node.Scalar() : "";
  const YAML::Node items = Child(root, "items");
  if (kind.size() >= 4 && kind.substr(kind.size() - 4) == "List" && items.IsDefined() &&
      items.IsSequence()) {
    return {items.begin(), items.end()};
  }
  return {root};
}

inline std::multiset<std::string> AnnotationKeys(const YAML::Node& annotations) {
  std::multiset<std::string> keys;
  if (annotations.IsDefined() && annotations.IsMap()) {
    for (const auto& kv : annotations) keys.insert(kv.first.IsScalar() ? kv.first.Scalar() : "?");
  }
  return keys;
}

// Property 0: the changed objects of `report` read back from `text` with the intended annotations,
// and with every other annotation key of `input` (the text rewritten) and no other.
inline std::string CheckIntendedAnnotations(std::string_view input, std::string_view text,
                                            const ti::Report& report) {
  std::vector<YAML::Node> docs, input_docs;
  try {
    input_docs = YAML::LoadAll(std::string(input));
  } catch (const YAML::Exception& e) {
    return std::string("the rewritten input does not load with yaml-cpp: ") + e.what();
  }
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return std::string("output does not load with yaml-cpp: ") + e.what();
  }
  const auto changed = [](const ti::ObjectReport& o) {
    return o.status == ti::ObjectStatus::kInstrumented ||
           o.status == ti::ObjectStatus::kUninstrumented;
  };
  std::size_t next = 0;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const int number = static_cast<int>(d) + 1;
    const std::vector<YAML::Node> objects = Objects(docs[d]);
    const std::vector<YAML::Node> input_objects =
        d < input_docs.size() ? Objects(input_docs[d]) : std::vector<YAML::Node>{};
    for (std::size_t j = 0; j < objects.size(); ++j) {
      const YAML::Node& object = objects[j];
      if (next >= report.objects.size() || report.objects[next].document != number) break;
      const YAML::Node object_kind = Child(object, "kind");
      if (!object_kind.IsDefined() || !object_kind.IsScalar() ||
          object_kind.Scalar() != report.objects[next].kind)
        continue;
      const ti::ObjectReport& o = report.objects[next++];
      if (!changed(o)) continue;
      const auto path = ti::PodTemplatePath(o.kind);
      std::vector<std::string> keys(path.begin(), path.end());
      keys.insert(keys.end(), {"metadata", "annotations"});
      const YAML::Node ann = Descend(object, keys, 0);
      const std::string where = "document " + std::to_string(number) + ": " + o.Ref();
      std::multiset<std::string> expected = j < input_objects.size()
                                                ? AnnotationKeys(Descend(input_objects[j], keys, 0))
                                                : std::multiset<std::string>{};
      for (const auto& [key, value] : o.annotations_added) {
        const YAML::Node v = Child(ann, key);
        if (!v.IsDefined() || !v.IsScalar() || v.Scalar() != value)
          return where + " lacks " + key + "=" + value;
        expected.erase(key);
        expected.insert(key);
      }
      for (const auto& key : o.annotations_removed) {
        if (Child(ann, key).IsDefined()) return where + " still has " + key;
        expected.erase(key);
      }
      if (AnnotationKeys(ann) != expected) return where + " gained or lost other annotation keys";
    }
    // The report's objects of this document that no object matched: the document no longer
    // holds them.
    for (; next < report.objects.size() && report.objects[next].document == number; ++next) {
      const auto& o = report.objects[next];
      if (changed(o))
        return "document " + std::to_string(number) + ": " + o.Ref() + " not found in the output";
    }
  }
  for (; next < report.objects.size(); ++next) {
    const auto& o = report.objects[next];
    if (changed(o))
      return "document " + std::to_string(o.document) + ": " + o.Ref() + " not found in the output";
  }
  return {};
}

// Returns an empty string when every property holds for `input` under `options`, else what failed.
// An input the library refuses as invalid, unsupported or over a limit has nothing to check beyond
// "no crash"; an internal error (the safety net refusing the library's own output, or an escaped
// exception) is a bug.
inline std::string CheckRewriteProperties(std::string_view input, const ti::Options& options) {
  auto first = ti::RewriteManifests(input, options);
  if (!first.ok()) {
    if (first.status().code() == ti::StatusCode::kInternal)
      return "the library failed inside: " + first.status().ToString();
    return {};
  }
  const std::string& out = first.value().text;

  if (first.value().report.changes_made != (out != input))
    return "changes_made disagrees with the text";
  if (std::string failure = CheckIntendedAnnotations(input, out, first.value().report);
      !failure.empty())
    return failure;

  // The second run parses the output with yaml-cpp's parser (the one LoadAll uses): it must succeed
  // and read as many documents.
  auto second = ti::RewriteManifests(out, options);
  if (!second.ok()) return "output does not re-parse: " + second.status().ToString();
  if (second.value().documents != first.value().documents)
    return "the output has a different document count";
  if (second.value().text != out) return "second run changed the output";
  if (second.value().report.changes_made) return "second run reports changes_made";

  ti::Options remove = options;
  remove.action = ti::Action::kRemove;
  auto removed = ti::RewriteManifests(out, remove);
  if (!removed.ok()) return "uninstrument of the output failed: " + removed.status().ToString();
  if (std::string failure =
          CheckIntendedAnnotations(out, removed.value().text, removed.value().report);
      !failure.empty())
    return "uninstrument: " + failure;
  auto removed_again = ti::RewriteManifests(removed.value().text, remove);
  if (!removed_again.ok())
    return "uninstrumented output does not re-parse: " + removed_again.status().ToString();
  if (removed_again.value().text != removed.value().text)
    return "a second uninstrument changed the text";
  const bool pristine = input.find("traceassist.io/") == std::string_view::npos &&
                        input.find("instrumentation.opentelemetry.io/") == std::string_view::npos;
  if (pristine && removed.value().text != input) {
    return "uninstrument did not give back the input";
  }

  {
    // As the CLI does: the quote style is decided once on the whole stream, not per piece.
    ti::Options piece_options = options;
    piece_options.quote_style = ti::ResolveQuoteStyle(options.quote_style, input);
    ti::RewriteOutput joined;
    for (std::string_view piece : ti::SplitStream(input, 3)) {
      auto part = ti::RewriteManifests(piece, piece_options);
      if (!part.ok()) return "a piece of the split stream failed: " + part.status().ToString();
      ti::AppendPiece(joined, std::move(part).value());
    }
    if (joined.text != out) return "the split stream rewrites to different bytes";
    if (joined.documents != first.value().documents)
      return "the split stream counts other documents";
  }
  return {};
}

}  // namespace traceassist::fuzz
