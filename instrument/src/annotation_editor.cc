// The annotation editor: the checks on the way to the annotations, and new entries.
#include "annotation_editor.h"

#include <fmt/format.h>

#include <algorithm>

#include "ownership.h"

namespace traceassist::instrument {
namespace {
using Type = YamlNode::Type;
constexpr std::uint32_t kNoNode = YamlDocument::kNoNode;
}  // namespace

std::optional<Failure> AnnotationEditor::Plan(std::uint32_t root, std::string_view kind,
                                              Decision& d, std::vector<TextEdit>& out) {
  edits_.clear();
  if (auto f = Shared(root)) return f;
  std::uint32_t tmpl = root;
  std::uint32_t tmpl_key = kNoNode;
  int outer_step = 0;
  for (std::string_view key : PodTemplatePath(kind)) {
    if (auto f = Merged(tmpl, key)) return f;
    if (auto f = Unclear(tmpl, key)) return f;
    const auto e = doc_.Find(tmpl, key);
    if (!e) return Failure{Reason::kUnsupportedLayout, "pod template not found"};
    if (auto f = Shared(e->value)) return f;
    outer_step = Step(e->key, doc_.Resolve(e->value));
    tmpl_key = e->key;
    tmpl = doc_.Resolve(e->value);
  }
  const YamlNode& t = doc_.node(tmpl);
  quote_keys_ =
      t.type == Type::kMap && t.count > 0 && text_[doc_.node(doc_.child(t, 0)).pos] == '"';
  // Entries to add: keys the decision sets that the template does not have yet. Keys it has are
  // changed in place (EditAnnotations).
  Annotations adds;
  if (auto f = Merged(tmpl, "metadata")) return f;
  if (auto f = Unclear(tmpl, "metadata")) return f;
  const auto meta = doc_.Find(tmpl, "metadata");
  std::optional<YamlDocument::Entry> ann;
  if (meta) {
    if (auto f = Shared(meta->value)) return f;
    if (auto f = Merged(meta->value, "annotations")) return f;
    if (auto f = Unclear(meta->value, "annotations")) return f;
    ann = doc_.Find(meta->value, "annotations");
    if (ann) {
      if (auto f = Shared(ann->value)) return f;
      if (auto f = Unclear(ann->value, {})) return f;
      if (doc_.HasMergeKey(ann->value))
        return Failure{Reason::kYamlAnchor, "metadata.annotations uses a YAML merge key (<<)"};
    }
  }
  for (const auto& kv : d.set) {
    if (!ann || !doc_.Find(ann->value, kv.first)) adds.push_back(kv);
  }

  std::optional<Failure> failure;
  if (meta && doc_.node(meta->value).type == Type::kMap) {
    const std::uint32_t md = meta->value;
    const int step = Step(meta->key, md, outer_step);
    if (ann && doc_.node(ann->value).type == Type::kMap && HasDuplicateKeys(ann->value)) {
      // Which copy of a key counts is up to the reader: editing one could leave the other behind.
      failure = Failure{Reason::kUnsupportedLayout, "metadata.annotations has duplicate keys"};
    } else if (ann && doc_.node(ann->value).type == Type::kMap) {
      failure = EditAnnotations(tmpl, *meta, *ann, adds, d);
    } else if (ann && doc_.node(ann->value).type == Type::kNull) {
      failure = FillNull(ann->key, ann->value, doc_.node(md).flow, {}, adds, step);
    } else if (ann) {
      failure = Failure{Reason::kUnsupportedLayout, "metadata.annotations is not a mapping"};
    } else if (doc_.node(md).flow && doc_.node(md).count == 0 && !adds.empty()) {
      // `metadata: {}`: recorded like a null, for uninstrument to write back.
      const auto was = ValueBytes(*meta, doc_.node(tmpl).flow);
      failure = was ? FlowInsert(md, {Flow({"annotations"}, Recorded(adds, "metadata", *was))})
                    : EmptyFlowSpansLines("metadata");
    } else {
      failure = AddToMap(md, meta->key, {"annotations"}, adds, step);
    }
  } else if (meta && doc_.node(meta->value).type == Type::kNull) {
    failure = FillNull(meta->key, meta->value, doc_.node(tmpl).flow, {"annotations"}, adds,
                       outer_step > 0 ? outer_step : Step(tmpl_key, tmpl));
  } else if (meta) {
    failure = Failure{Reason::kUnsupportedLayout, "metadata is not a mapping"};
  } else {
    failure = AddToMap(tmpl, tmpl_key, {"metadata", "annotations"}, adds, outer_step);
  }
  if (failure) return failure;
  out.insert(out.end(), std::make_move_iterator(edits_.begin()),
             std::make_move_iterator(edits_.end()));
  if (marker_) {
    for (auto* list : {&d.set, &d.report.annotations_added}) {
      for (auto& [key, value] : *list) {
        if (key == kManagedKey) value = *marker_;
      }
    }
  }
  return std::nullopt;
}

std::optional<Failure> AnnotationEditor::Shared(std::uint32_t n) const {
  const YamlNode& node = doc_.node(n);
  if (node.type == Type::kAlias || node.aliased) {
    return Failure{Reason::kYamlAnchor, "the pod template is shared through a YAML anchor/alias"};
  }
  return std::nullopt;
}

std::optional<Failure> AnnotationEditor::Merged(std::uint32_t map, std::string_view key) const {
  if (!doc_.Find(map, key) && doc_.FindMerged(map, key)) {
    return Failure{Reason::kYamlAnchor, fmt::format("{} comes from a YAML merge key (<<)", key)};
  }
  return std::nullopt;
}

std::optional<Failure> AnnotationEditor::Unclear(std::uint32_t map, std::string_view key) const {
  const YamlNode& m = doc_.resolved(map);
  if (m.type != Type::kMap) return std::nullopt;
  int copies = 0;
  for (std::uint32_t k = 0; k + 1 < m.count; k += 2) {
    const std::uint32_t key_node = doc_.child(m, k);
    const YamlNode& key_mark = doc_.node(key_node);
    if (ExplicitKey(key_mark.pos)) {
      return Failure{Reason::kUnsupportedLayout,
                     fmt::format("an explicit key (`? {}`)", doc_.Scalar(key_node))};
    }
    // `: value` with nothing before it: an empty explicit key. yaml-cpp also reads such a line at
    // its parent key's column as that key's value, which lines inserted after the key would end.
    if (key_mark.type == Type::kNull && key_mark.pos < text_.size() && text_[key_mark.pos] == ':')
      return Failure{Reason::kUnsupportedLayout, "an entry with no key (`: value`)"};
    if (!key.empty() && doc_.Scalar(key_node) == key) ++copies;
  }
  if (copies > 1) {
    return Failure{Reason::kUnsupportedLayout,
                   fmt::format("`{}` is written {} times in one mapping", key, copies)};
  }
  return std::nullopt;
}

bool AnnotationEditor::ExplicitKey(std::size_t pos) const {
  std::size_t p = std::min(pos, text_.size());
  while (p > 0 && std::string_view(" \t\r\n").find(text_[p - 1]) != std::string_view::npos) --p;
  if (p == 0 || text_[p - 1] != '?') return false;
  return p == 1 || std::string_view(" \t\r\n{,[-").find(text_[p - 2]) != std::string_view::npos;
}

int AnnotationEditor::Step(std::uint32_t key, std::uint32_t map, int fallback) const {
  if (key != kNoNode) {
    const YamlNode& m = doc_.resolved(map);
    const YamlNode& k = doc_.node(key);
    if (m.type == Type::kMap && !m.flow && m.count > 0) {
      const YamlNode& first = doc_.node(doc_.child(m, 0));
      if (first.line > k.line && first.column > k.column) return first.column - k.column;
    }
  }
  return fallback > 0 ? fallback : 2;
}

bool AnnotationEditor::OnlyBlankLinesBetween(std::size_t from, std::size_t to) const {
  for (std::size_t p = from; p < to && p < text_.size(); p = NextLineStart(text_, p)) {
    if (!RestOfLineIsBlank(text_, p)) return false;
  }
  return true;
}

std::string AnnotationEditor::Quote(std::string_view value) const {
  return quotes_ == QuoteStyle::kSingle ? SingleQuoted(value) : DoubleQuoted(value);
}

std::string AnnotationEditor::Block(const std::vector<std::string>& wrappers,
                                    const Annotations& entries, int indent, int step,
                                    std::string_view nl) const {
  auto key = [&](const std::string& k) { return quote_keys_ ? Quote(k) : k; };
  std::string out;
  int level = indent;
  for (const auto& w : wrappers) {
    out += Spaces(level) + key(w) + ":" + std::string(nl);
    level += step;
  }
  for (const auto& [k, v] : entries)
    out += Spaces(level) + key(k) + ": " + Quote(v) + std::string(nl);
  return out;
}

std::vector<std::string> AnnotationEditor::FlowItems(const Annotations& entries) const {
  std::vector<std::string> items;
  for (const auto& [k, v] : entries) items.push_back(Quote(k) + ": " + Quote(v));
  return items;
}

std::string AnnotationEditor::FlowEntries(const Annotations& entries) const {
  std::string out;
  for (const auto& item : FlowItems(entries)) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string AnnotationEditor::Flow(const std::vector<std::string>& wrappers,
                                   const Annotations& entries) const {
  std::string out = FlowEntries(entries);
  for (auto it = wrappers.rbegin(); it != wrappers.rend(); ++it)
    out = Quote(*it) + ": {" + out + "}";
  return out;
}

void AnnotationEditor::InsertLines(std::size_t pos, std::string block, std::string_view nl) {
  if (pos >= text_.size() && !text_.empty() && text_.back() != '\n') {
    block.erase(block.size() - nl.size());
    block.insert(0, nl);
    pos = text_.size();
  }
  edits_.push_back({pos, 0, std::move(block)});
}

std::optional<Failure> AnnotationEditor::AddToMap(std::uint32_t map, std::uint32_t key,
                                                  const std::vector<std::string>& wrappers,
                                                  const Annotations& entries, int step_hint) {
  if (entries.empty()) return std::nullopt;
  const YamlNode& m = doc_.node(map);
  if (m.flow) return FlowInsert(map, {Flow(wrappers, entries)});
  if (m.count == 0) return Failure{Reason::kUnsupportedLayout, "empty block mapping"};
  const YamlNode& first = doc_.node(doc_.child(m, 0));
  if (key != kNoNode && first.line > doc_.node(key).line) {
    const YamlNode& k = doc_.node(key);
    if (!OnlyBlankLinesBetween(NextLineStart(text_, k.pos), LineStart(text_, first.pos))) {
      return Failure{Reason::kUnsupportedLayout,
                     "a tag or anchor line between the key and its entries"};
    }
    const int step = first.column > k.column ? first.column - k.column : 2;
    InsertLines(NextLineStart(text_, k.pos),
                Block(wrappers, entries, first.column, step, Break(k.pos)), Break(k.pos));
    return std::nullopt;
  }
  // A document root (or a mapping that starts on its key's line): insert before `spec` (where
  // `metadata` usually stands), else before the first entry that begins its own line.
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i + 1 < m.count; i += 2) {
    if (doc_.Scalar(doc_.child(m, i)) == "spec")
      order.insert(order.begin(), i);
    else
      order.push_back(i);
  }
  for (std::uint32_t i : order) {
    const YamlNode& k = doc_.node(doc_.child(m, i));
    if (!StartsLine(text_, k.pos) || k.column != first.column) continue;
    int step = step_hint > 0 ? step_hint : 2;
    for (std::uint32_t j = 0; j + 1 < m.count; j += 2) {
      const int s = Step(doc_.child(m, j), doc_.Resolve(doc_.child(m, j + 1)), 0);
      if (doc_.resolved(doc_.child(m, j + 1)).type == Type::kMap &&
          !doc_.resolved(doc_.child(m, j + 1)).flow) {
        step = s;
        break;
      }
    }
    edits_.push_back(
        {LineStart(text_, k.pos), 0, Block(wrappers, entries, k.column, step, Break(k.pos))});
    return std::nullopt;
  }
  return Failure{Reason::kUnsupportedLayout, "no line to insert the annotations at"};
}

std::optional<Failure> AnnotationEditor::FlowInsert(std::uint32_t map,
                                                    const std::vector<std::string>& items) {
  const YamlNode& m = doc_.node(map);
  if (m.pos >= text_.size() || text_[m.pos] != '{')
    return Failure{Reason::kUnsupportedLayout, "flow mapping not found"};
  std::string text;
  if (m.count == 0) {
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    edits_.push_back({m.pos + 1, 0, std::move(text)});
    return std::nullopt;
  }
  const YamlNode& first = doc_.node(doc_.child(m, 0));
  if (first.line == m.line) {
    // Right before the first entry: the blanks after the brace stay where they were, and
    // uninstrument, which removes each entry up to the next, gives them back.
    for (const auto& item : items) text += item + ", ";
    edits_.push_back({first.pos, 0, std::move(text)});
    return std::nullopt;
  }
  // Pretty-printed: one line per item, indented as the first entry's line (tabs kept), at the end
  // of the brace's line, after any blanks or comment there; uninstrument removes these lines whole.
  const std::size_t first_line = LineStart(text_, first.pos);
  std::string indent(text_.substr(first_line, first.pos - first_line));
  if (indent.find_first_not_of(" \t") != std::string::npos) indent = Spaces(first.column);
  for (const auto& item : items) text += std::string(Break(m.pos)) + indent + item + ",";
  std::size_t at = m.pos + 1;  // something other than a comment follows the brace: right after it
  if (RestOfLineIsBlank(text_, at)) at = NextLineStart(text_, m.pos) - Break(m.pos).size();
  edits_.push_back({at, 0, std::move(text)});
  return std::nullopt;
}

std::optional<Failure> AnnotationEditor::FillNull(std::uint32_t key, std::uint32_t value,
                                                  bool in_flow,
                                                  const std::vector<std::string>& wrappers,
                                                  const Annotations& entries, int step) {
  if (entries.empty()) return std::nullopt;
  const YamlNode& k = doc_.node(key);
  std::size_t p = SingleLineScalarEnd(text_, k.pos, in_flow);
  if (p == std::string_view::npos) return Failure{Reason::kUnsupportedLayout, "multi-line key"};
  while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
  if (p >= text_.size() || text_[p] != ':')
    return Failure{Reason::kUnsupportedLayout, "key without ':'"};
  const std::size_t colon = p;
  ++p;
  while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
  const bool implicit = RestOfLineIsBlank(text_, p);
  std::size_t token_end = p;
  if (!implicit) {
    token_end = SingleLineScalarEnd(text_, p, in_flow);
    const std::string_view token = text_.substr(p, token_end - p);
    if (!IsNullWord(token)) {
      return Failure{Reason::kUnsupportedLayout, "unexpected value for an empty mapping"};
    }
  }
  (void)value;
  if (in_flow && implicit)
    return Failure{Reason::kUnsupportedLayout, "empty value in a flow mapping"};
  // What stood after the colon goes into the ownership marker, for uninstrument to write back.
  std::string_view was = text_.substr(colon + 1, token_end - colon - 1);
  if (implicit) was = was.substr(0, was.find_last_not_of(" \t") + 1);
  const Annotations filled = Recorded(entries, doc_.Scalar(key), was);
  if (in_flow) {
    edits_.push_back({p, token_end - p, "{" + Flow(wrappers, filled) + "}"});
    return std::nullopt;
  }
  if (!implicit) edits_.push_back({colon + 1, token_end - colon - 1, ""});
  InsertLines(NextLineStart(text_, k.pos),
              Block(wrappers, filled, k.column + step, step, Break(k.pos)), Break(k.pos));
  return std::nullopt;
}

}  // namespace traceassist::instrument

namespace traceassist::instrument {

Annotations AnnotationEditor::Recorded(const Annotations& entries, std::string_view key,
                                       std::string_view was) {
  Annotations out = entries;
  for (auto& [name, marker] : out) {
    if (name != kManagedKey) continue;
    marker += fmt::format(",{}:{}", key, was);
    marker_ = marker;
  }
  return out;
}

std::size_t AnnotationEditor::Colon(std::uint32_t key, bool in_flow) const {
  std::size_t p = SingleLineScalarEnd(text_, doc_.node(key).pos, in_flow);
  if (p == std::string_view::npos) return p;
  while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
  return p < text_.size() && text_[p] == ':' ? p : std::string_view::npos;
}

std::optional<std::string_view> AnnotationEditor::ValueBytes(const YamlDocument::Entry& e,
                                                             bool in_flow) const {
  const std::size_t colon = Colon(e.key, in_flow);
  if (colon == std::string_view::npos) return std::nullopt;
  const std::size_t end = NodeEnd(e.value, in_flow);
  if (end == std::string_view::npos || end <= colon) return std::nullopt;
  const std::string_view bytes = text_.substr(colon + 1, end - colon - 1);
  // The record is one item of the comma-separated marker, on one line.
  if (bytes.find_first_of(",\r\n") != std::string_view::npos) return std::nullopt;
  return bytes;
}

Failure AnnotationEditor::EmptyFlowSpansLines(std::string_view key) {
  return Failure{
      Reason::kUnsupportedLayout,
      fmt::format("the empty `{}: {{}}` spans lines (uninstrument could not restore it)", key)};
}

}  // namespace traceassist::instrument
