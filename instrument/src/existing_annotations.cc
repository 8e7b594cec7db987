// The annotation editor inside an existing annotations map: values changed in place, entries
// removed (uninstrument), and where a node ends.
#include <algorithm>
#include <set>

#include "annotation_editor.h"
#include "ownership.h"

namespace traceassist::instrument {
namespace {
using Type = YamlNode::Type;

// True when the block-context scalar starting at `pos` (its first line ending at `end`) goes on
// below: a plain scalar's continuation or a block scalar's (`|`, `>`) content is indented past the
// scalar's line. Comment lines end a plain scalar, but inside a block scalar they are content.
bool ContinuesOnNextLines(std::string_view text, std::size_t mark, std::size_t end) {
  const std::size_t pos = std::min(NodeContentStart(text, mark), end);
  const bool block_scalar = text[pos] == '|' || text[pos] == '>';
  const std::size_t line_start = LineStart(text, pos);
  std::size_t indent = 0;
  while (line_start + indent < text.size() && text[line_start + indent] == ' ') ++indent;
  for (std::size_t next = NextLineStart(text, end); next < text.size();) {
    std::size_t i = next;
    while (i < text.size() && text[i] == ' ') ++i;
    const bool blank = i == text.size() || text[i] == '\n' || text[i] == '\r';
    if (!blank && (block_scalar || text[i] != '#')) return i - next > indent;
    next = NextLineStart(text, i);
  }
  return false;
}

}  // namespace

std::optional<AnnotationEditor::LineEntry> AnnotationEditor::SimpleLine(
    const YamlDocument::Entry& e, bool flow) const {
  const YamlNode& k = doc_.node(e.key);
  const YamlNode& v = doc_.node(e.value);
  if (v.type != Type::kScalar || v.line != k.line) return std::nullopt;
  const std::size_t end = SingleLineScalarEnd(text_, v.pos, flow);
  if (end == std::string_view::npos) return std::nullopt;
  if (flow) return LineEntry{k.pos, v.pos, end, end};
  if (!StartsLine(text_, k.pos) || !RestOfLineIsBlank(text_, end)) return std::nullopt;
  if (ContinuesOnNextLines(text_, v.pos, end)) return std::nullopt;
  return LineEntry{LineStart(text_, k.pos), v.pos, end, NextLineStart(text_, end)};
}

bool AnnotationEditor::HasDuplicateKeys(std::uint32_t map) const {
  const YamlNode& m = doc_.node(map);
  std::set<std::string_view> seen;
  for (std::uint32_t k = 0; k + 1 < m.count; k += 2) {
    if (!seen.insert(doc_.Scalar(doc_.child(m, k))).second) return true;
  }
  return false;
}

std::optional<Failure> AnnotationEditor::EditAnnotations(std::uint32_t tmpl,
                                                         const YamlDocument::Entry& meta,
                                                         const YamlDocument::Entry& ann,
                                                         const Annotations& adds,
                                                         const Decision& d) {
  const YamlNode& a = doc_.node(ann.value);
  const auto cannot = Failure{Reason::kUnsupportedLayout,
                              "an annotation TraceAssist wrote is no longer on one line"};
  // Values that change: rewrite the scalar in place (keeps the key, order and any comment).
  for (const auto& [key, value] : d.set) {
    const auto e = doc_.Find(ann.value, key);
    if (!e) continue;
    const auto line = SimpleLine(*e, a.flow);
    if (!line) return cannot;
    edits_.push_back({line->value_pos, line->value_end - line->value_pos, Quote(value)});
  }
  std::vector<std::uint32_t> removed;  // entry indices (key child index) to delete
  for (const auto& key : d.remove) {
    for (std::uint32_t i = 0; i + 1 < a.count; i += 2) {
      if (doc_.Scalar(doc_.child(a, i)) == key) {
        removed.push_back(i);
        break;
      }
    }
  }
  std::sort(removed.begin(), removed.end());
  const bool emptied = adds.empty() && removed.size() * 2 == a.count;

  if (emptied) {
    // Everything under `annotations:` was ours. What stood there before TraceAssist filled it,
    // when the marker recorded it, goes back; else TraceAssist created the map: remove the key
    // too, and `metadata:` when that was all it held, so uninstrument restores the template
    // TraceAssist found.
    const auto marker = doc_.Find(ann.value, kManagedKey);
    const std::string_view original =
        marker ? ManagedOriginal(doc_.Scalar(marker->value)) : std::string_view();
    const bool meta_flow = doc_.node(meta.value).flow;
    const bool tmpl_flow = doc_.node(tmpl).flow;
    constexpr std::string_view kAnnotations = "annotations:", kMetadata = "metadata:";
    const bool annotations_were = original.starts_with(kAnnotations);
    const bool metadata_was = original.starts_with(kMetadata);
    if ((annotations_were || metadata_was) &&
        !IsEmptyValueRecord(original.substr(original.find(':') + 1))) {
      return Failure{Reason::kUnsupportedLayout,
                     "the ownership marker records a former value that is not empty, null or {} "
                     "(edited by hand?): it is not written back"};
    }
    if (annotations_were) {
      if (auto f = Restore(ann, meta_flow, original.substr(kAnnotations.size()))) return f;
      if (a.flow) return std::nullopt;  // replaced whole; block entries go below
    } else if (metadata_was && doc_.node(meta.value).count == 2 &&
               (meta_flow || RemoveEntry(meta.value, ann.key))) {
      return Restore(meta, tmpl_flow, original.substr(kMetadata.size()));
    } else {
      if (doc_.node(meta.value).count == 2 && RemoveEntry(tmpl, meta.key)) return std::nullopt;
      if (RemoveEntry(meta.value, ann.key)) return std::nullopt;
    }
  }
  if (a.flow) {
    if (auto f = RemoveFlowEntries(ann.value, removed)) return f;
    if (adds.empty()) return std::nullopt;
    if (a.count > 0) return FlowInsert(ann.value, FlowItems(adds));
    // `annotations: {}`: recorded like a null, for uninstrument to write back.
    const auto was = ValueBytes(ann, doc_.node(meta.value).flow);
    if (!was) return EmptyFlowSpansLines("annotations");
    return FlowInsert(ann.value, FlowItems(Recorded(adds, "annotations", *was)));
  }
  for (std::uint32_t i : removed) {
    const auto line = SimpleLine({doc_.child(a, i), doc_.child(a, i + 1)}, false);
    if (!line) return cannot;
    edits_.push_back({line->line_start, line->line_end - line->line_start, ""});
  }
  if (adds.empty()) return std::nullopt;
  const YamlNode& k = doc_.node(ann.key);
  const YamlNode& first = doc_.node(doc_.child(a, 0));
  if (first.line <= k.line)
    return Failure{Reason::kUnsupportedLayout, "annotations start on their key's line"};
  if (!OnlyBlankLinesBetween(NextLineStart(text_, k.pos), LineStart(text_, first.pos))) {
    return Failure{Reason::kUnsupportedLayout,
                   "a tag or anchor line between the key and its entries"};
  }
  InsertLines(NextLineStart(text_, k.pos), Block({}, adds, first.column, 0, Break(k.pos)),
              Break(k.pos));
  return std::nullopt;
}

bool AnnotationEditor::RemoveEntry(std::uint32_t map, std::uint32_t key) {
  const YamlNode& m = doc_.node(map);
  std::uint32_t index = m.count;
  for (std::uint32_t i = 0; i + 1 < m.count; i += 2) {
    if (doc_.child(m, i) == key) index = i;
  }
  if (index == m.count) return false;
  if (m.flow) return !RemoveFlowEntries(map, {index}).has_value();
  const YamlNode& k = doc_.node(key);
  if (!StartsLine(text_, k.pos)) return false;
  const std::size_t end = SingleLineScalarEnd(text_, k.pos, false);
  if (end == std::string_view::npos) return false;
  std::size_t p = end;
  while (p < text_.size() && text_[p] == ' ') ++p;
  if (p >= text_.size() || text_[p] != ':' || !RestOfLineIsBlank(text_, p + 1)) return false;
  // The entry runs to the end of its value's last line; comment lines after it stay.
  const std::size_t value_end = NodeEnd(doc_.child(m, index + 1), false);
  if (value_end == std::string_view::npos || !RestOfLineIsBlank(text_, value_end)) return false;
  const std::size_t stop = NextLineStart(text_, value_end);
  const std::size_t start = LineStart(text_, k.pos);
  edits_.push_back({start, stop - start, ""});
  return true;
}

std::size_t AnnotationEditor::NodeEnd(std::uint32_t index, bool in_flow) const {
  const YamlNode& n = doc_.node(index);
  if (n.type == Type::kScalar) {
    const std::size_t end = SingleLineScalarEnd(text_, n.pos, in_flow);
    if (end == std::string_view::npos || in_flow) return end;
    return ContinuesOnNextLines(text_, n.pos, end) ? std::string_view::npos : end;
  }
  if (n.type != Type::kMap && n.type != Type::kSeq) return std::string_view::npos;
  std::size_t p = n.count == 0 ? NodeContentStart(text_, n.pos) + 1
                               : NodeEnd(doc_.child(n, n.count - 1), in_flow || n.flow);
  if (p == std::string_view::npos || !n.flow) return p;
  const char close = n.type == Type::kMap ? '}' : ']';
  while (p < text_.size() && (text_[p] == ' ' || text_[p] == ',' || text_[p] == '\n' ||
                              text_[p] == '\r' || text_[p] == '\t')) {
    ++p;
  }
  return p < text_.size() && text_[p] == close ? p + 1 : std::string_view::npos;
}

std::optional<Failure> AnnotationEditor::RemoveFlowEntries(
    std::uint32_t map, const std::vector<std::uint32_t>& removed) {
  if (removed.empty()) return std::nullopt;
  const YamlNode& m = doc_.node(map);
  auto value_end = [&](std::uint32_t i) { return NodeEnd(doc_.child(m, i + 1), true); };
  auto key_pos = [&](std::uint32_t i) { return doc_.node(doc_.child(m, i)).pos; };
  auto is_removed = [&](std::uint32_t i) {
    return std::binary_search(removed.begin(), removed.end(), i);
  };
  // The trailing run of removed entries goes from the end of the last kept value.
  std::uint32_t tail = m.count;
  while (tail >= 2 && is_removed(tail - 2)) tail -= 2;
  for (std::uint32_t i : removed) {
    if (i >= tail) continue;
    // An entry alone on its line(s) goes with its lines (pretty-printed maps, where FlowInsert
    // writes one per line); else up to the next entry.
    const std::size_t line = LineStart(text_, key_pos(i));
    std::size_t after = value_end(i);
    while (after < text_.size() && (text_[after] == ' ' || text_[after] == '\t')) ++after;
    const std::size_t next_line = NextLineStart(text_, after);
    const bool alone =
        after < text_.size() && text_[after] == ',' &&
        text_.substr(line, key_pos(i) - line).find_first_not_of(" \t") == std::string_view::npos &&
        text_.substr(after + 1, next_line - after - 1).find_first_not_of(" \t\r\n") ==
            std::string_view::npos;
    if (alone)
      edits_.push_back({line, next_line - line, ""});
    else
      edits_.push_back({key_pos(i), key_pos(i + 2) - key_pos(i), ""});
  }
  if (tail < m.count) {
    const std::size_t end = value_end(m.count - 2);
    if (end == std::string_view::npos)
      return Failure{Reason::kUnsupportedLayout, "flow value spans lines"};
    std::size_t start = key_pos(tail);
    if (tail > 0) {
      const std::size_t prev_end = value_end(tail - 2);
      if (prev_end == std::string_view::npos)
        return Failure{Reason::kUnsupportedLayout, "flow value spans lines"};
      start = prev_end;
    }
    edits_.push_back({start, end - start, ""});
  }
  return std::nullopt;
}

std::optional<Failure> AnnotationEditor::Restore(const YamlDocument::Entry& e, bool in_flow,
                                                 std::string_view bytes) {
  const auto cannot =
      Failure{Reason::kUnsupportedLayout, "the key TraceAssist filled is no longer on one line"};
  const std::size_t colon = Colon(e.key, in_flow);
  if (colon == std::string_view::npos) return cannot;
  std::size_t end = colon + 1;
  if (doc_.node(e.value).flow) {
    end = NodeEnd(e.value, in_flow);
    if (end == std::string_view::npos) return cannot;
  }
  edits_.push_back({colon + 1, end - colon - 1, std::string(bytes)});
  return std::nullopt;
}

}  // namespace traceassist::instrument
