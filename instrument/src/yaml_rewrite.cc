// RewriteManifests: the policy decides on a neutral view of each object; the annotations it wants
// are spliced into the original bytes at positions from yaml-cpp's marks. Nothing else changes.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "text_edit.h"
#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/reason.h"
#include "traceassist/instrument/rewrite.h"
#include "verify.h"
#include "view_builder.h"
#include "yaml_tree.h"

namespace traceassist::instrument {
namespace {

using Type = YamlNode::Type;
constexpr std::uint32_t kNoNode = YamlDocument::kNoNode;

// ---------------------------------------------------------------------------------------------
// Input checks: the splice relies on yaml-cpp's byte offsets, which hold only for UTF-8 text.

// The document holding byte `pos`, counted as the YAML parser would for the checks below, which
// run before it: each `---` line starts a document, and content before the first one is a document
// of its own (blank, comment and directive lines are not).
int DocumentAt(std::string_view text, std::size_t pos) {
  int markers = 0;
  bool content_before_marker = false;
  for (std::size_t p = 0; p <= pos && p < text.size(); p = NextLineStart(text, p)) {
    const std::string_view line = text.substr(p, NextLineStart(text, p) - p);
    if (line.substr(0, 3) == "---" &&
        (line.size() == 3 || std::string_view(" \t\r\n").find(line[3]) != std::string_view::npos)) {
      ++markers;
    } else if (markers == 0 && !RestOfLineIsBlank(text, p) && line[0] != '%') {
      content_before_marker = true;
    }
  }
  return std::max(1, markers + (content_before_marker ? 1 : 0));
}

Location LocationOf(std::string_view text, std::size_t pos) {
  const auto line = static_cast<int>(
      std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  const std::size_t start = LineStart(text, pos);
  return {DocumentAt(text, pos), line + 1, static_cast<int>(pos - start) + 1};
}

Status CheckEncoding(std::string_view text) {
  if (text.substr(0, 2) == "\xFE\xFF" || text.substr(0, 2) == "\xFF\xFE" ||
      text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    return Status::InvalidInput("UTF-16/UTF-32 input is not supported; convert it to UTF-8",
                                {0, 1, 1});
  }
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0)
      return Status::InvalidInput("NUL byte in input (binary data?)", LocationOf(text, i));
    // YAML reads a lone CR as a line break, but the splice works on LF-ended lines: refused rather
    // than rewritten wrong.
    if (c == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
      return Status::InvalidInput(
          "a line ends with CR alone (classic Mac line endings); convert the file to LF or CRLF",
          LocationOf(text, i));
    }
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Well-formed UTF-8 only (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
    const int extra = c >= 0xC2 && c <= 0xDF   ? 1
                      : c >= 0xE0 && c <= 0xEF ? 2
                      : c >= 0xF0 && c <= 0xF4 ? 3
                                               : -1;
    if (extra < 0 || i + static_cast<std::size_t>(extra) >= text.size()) {
      return Status::InvalidInput("invalid UTF-8 (binary data?)", LocationOf(text, i));
    }
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    const bool first_ok = (c == 0xE0 && c1 >= 0xA0) || (c == 0xED && c1 < 0xA0) ||
                          (c == 0xF0 && c1 >= 0x90) || (c == 0xF4 && c1 < 0x90) ||
                          (c != 0xE0 && c != 0xED && c != 0xF0 && c != 0xF4);
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80 ||
          !first_ok) {
        return Status::InvalidInput("invalid UTF-8 (binary data?)", LocationOf(text, i));
      }
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return Status::Ok();
}

// True when the block-context scalar starting at `pos` (its first line ending at `end`) goes on
// below: a plain scalar's continuation or a block scalar's (`|`, `>`) content is indented past the
// scalar's line. Comment lines end a plain scalar, but inside a block scalar they are content.
bool ContinuesOnNextLines(std::string_view text, std::size_t pos, std::size_t end) {
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

// ---------------------------------------------------------------------------------------------
// The view adapter over YamlDocument (see view_builder.h).

struct YamlAdapter {
  const YamlDocument& doc;
  std::optional<std::uint32_t> Get(std::uint32_t map, std::string_view key) const {
    if (const auto e = doc.FindMerged(map, key)) return e->value;
    return std::nullopt;
  }
  bool IsMap(std::uint32_t n) const { return doc.resolved(n).type == Type::kMap; }
  bool IsSeq(std::uint32_t n) const { return doc.resolved(n).type == Type::kSeq; }
  int Line(std::uint32_t n) const { return static_cast<int>(doc.node(n).line) + 1; }
  std::string Scalar(std::uint32_t n) const { return std::string(doc.Scalar(n)); }
  std::vector<std::uint32_t> Items(std::uint32_t seq) const {
    std::vector<std::uint32_t> items;
    const YamlNode& s = doc.resolved(seq);
    if (s.type != Type::kSeq) return items;
    for (std::uint32_t k = 0; k < s.count; ++k) items.push_back(doc.child(s, k));
    return items;
  }
  template <typename F>
  void ForEachEntry(std::uint32_t map, F f) const {
    doc.ForEachMergedEntry(map, [&](std::uint32_t key, std::uint32_t value) {
      f(std::string(doc.Scalar(key)), std::string(doc.Scalar(value)));
    });
  }
};

// ---------------------------------------------------------------------------------------------
// Planning the edits for one object.

struct Failure {
  Reason reason;  // kYamlAnchor or kUnsupportedLayout
  std::string detail;
};

class ObjectEditor {
 public:
  ObjectEditor(std::string_view text, const YamlDocument& doc, QuoteStyle quotes)
      : text_(text), doc_(doc), quotes_(quotes) {}

  // Appends the edits that apply `d` to the object at `root`, or returns why it cannot.
  std::optional<Failure> Plan(std::uint32_t root, std::string_view kind, const Decision& d,
                              std::vector<TextEdit>& out) {
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
    return std::nullopt;
  }

 private:
  // Editing a node an alias refers to (or editing through an alias) would change other places too.
  std::optional<Failure> Shared(std::uint32_t n) const {
    const YamlNode& node = doc_.node(n);
    if (node.type == Type::kAlias || node.aliased) {
      return Failure{Reason::kYamlAnchor, "the pod template is shared through a YAML anchor/alias"};
    }
    return std::nullopt;
  }

  // An entry that only a merge key (`<<: *base`) brings in lives in the shared map: editing it, or
  // adding an explicit key that hides the merged one, would change what other places read.
  std::optional<Failure> Merged(std::uint32_t map, std::string_view key) const {
    if (!doc_.Find(map, key) && doc_.FindMerged(map, key)) {
      return Failure{Reason::kYamlAnchor, fmt::format("{} comes from a YAML merge key (<<)", key)};
    }
    return std::nullopt;
  }

  // Layouts whose meaning the splice cannot judge, in the mapping `map` that holds `key` (empty:
  // none in particular): `key` written twice (yaml-cpp edits the first copy, most Kubernetes
  // tooling reads the last), or any explicit key (`? key` / `: value`, where new lines inserted
  // after the key's line would land inside the key).
  std::optional<Failure> Unclear(std::uint32_t map, std::string_view key) const {
    const YamlNode& m = doc_.resolved(map);
    if (m.type != Type::kMap) return std::nullopt;
    int copies = 0;
    for (std::uint32_t k = 0; k + 1 < m.count; k += 2) {
      const std::uint32_t key_node = doc_.child(m, k);
      if (ExplicitKey(doc_.node(key_node).pos)) {
        return Failure{Reason::kUnsupportedLayout,
                       fmt::format("an explicit key (`? {}`)", doc_.Scalar(key_node))};
      }
      if (!key.empty() && doc_.Scalar(key_node) == key) ++copies;
    }
    if (copies > 1) {
      return Failure{Reason::kUnsupportedLayout,
                     fmt::format("`{}` is written {} times in one mapping", key, copies)};
    }
    return std::nullopt;
  }

  // True when the key whose mark is at `pos` follows the explicit-key indicator `?` (only blanks
  // and line breaks in between).
  bool ExplicitKey(std::size_t pos) const {
    std::size_t p = std::min(pos, text_.size());
    while (p > 0 && std::string_view(" \t\r\n").find(text_[p - 1]) != std::string_view::npos) --p;
    if (p == 0 || text_[p - 1] != '?') return false;
    return p == 1 || std::string_view(" \t\r\n{,[-").find(text_[p - 2]) != std::string_view::npos;
  }

  // Indentation step between a key and its block-map value's entries, else `fallback` (or 2).
  int Step(std::uint32_t key, std::uint32_t map, int fallback = 0) const {
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

  std::string_view Break(std::size_t pos) const { return LineBreakAt(text_, pos); }

  // True when every line from `from` up to `to` is blank or a comment: new lines inserted at `from`
  // then land right before the entries (a line such as `!tag` in between would end up below them).
  bool OnlyBlankLinesBetween(std::size_t from, std::size_t to) const {
    for (std::size_t p = from; p < to && p < text_.size(); p = NextLineStart(text_, p)) {
      if (!RestOfLineIsBlank(text_, p)) return false;
    }
    return true;
  }

  static std::string Spaces(int n) {
    return std::string(static_cast<std::size_t>(std::max(n, 0)), ' ');
  }

  // A value (or key) in the run's quote style (Options::quote_style, resolved for the file).
  std::string Quote(std::string_view value) const {
    return quotes_ == QuoteStyle::kSingle ? SingleQuoted(value) : DoubleQuoted(value);
  }

  // New block lines; keys are quoted when the file quotes the template's keys.
  std::string Block(const std::vector<std::string>& wrappers, const Annotations& entries,
                    int indent, int step, std::string_view nl) const {
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

  std::vector<std::string> FlowItems(const Annotations& entries) const {
    std::vector<std::string> items;
    for (const auto& [k, v] : entries) items.push_back(Quote(k) + ": " + Quote(v));
    return items;
  }
  std::string FlowEntries(const Annotations& entries) const {
    std::string out;
    for (const auto& item : FlowItems(entries)) out += (out.empty() ? "" : ", ") + item;
    return out;
  }

  std::string Flow(const std::vector<std::string>& wrappers, const Annotations& entries) const {
    std::string out = FlowEntries(entries);
    for (auto it = wrappers.rbegin(); it != wrappers.rend(); ++it)
      out = Quote(*it) + ": {" + out + "}";
    return out;
  }

  // Inserts whole lines at a line start; at the end of a file with no final line break, the break
  // goes first so that the file still ends without one.
  void InsertLines(std::size_t pos, std::string block, std::string_view nl) {
    if (pos >= text_.size() && !text_.empty() && text_.back() != '\n') {
      block.erase(block.size() - nl.size());
      block.insert(0, nl);
      pos = text_.size();
    }
    edits_.push_back({pos, 0, std::move(block)});
  }

  // Adds `wrappers`/`entries` as new entries of the mapping `map` whose key is `key` (kNoNode for a
  // document root).
  std::optional<Failure> AddToMap(std::uint32_t map, std::uint32_t key,
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

  // Inserts `items` as the first entries of a flow mapping: on the first entry's line when it
  // shares the opening brace's line, else one per line at the entries' indentation (pretty-printed
  // JSON).
  std::optional<Failure> FlowInsert(std::uint32_t map, const std::vector<std::string>& items) {
    const YamlNode& m = doc_.node(map);
    if (m.pos >= text_.size() || text_[m.pos] != '{')
      return Failure{Reason::kUnsupportedLayout, "flow mapping not found"};
    std::string text;
    if (m.count == 0) {
      for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    } else if (const YamlNode& first = doc_.node(doc_.child(m, 0)); first.line == m.line) {
      for (const auto& item : items) text += item + ", ";
    } else {
      for (const auto& item : items)
        text += std::string(Break(m.pos)) + Spaces(first.column) + item + ",";
      // After the brace's trailing blanks, so that they stay on its line (and uninstrument, which
      // removes whole entry lines, gives them back).
      std::size_t end = m.pos + 1;
      while (end < text_.size() && (text_[end] == ' ' || text_[end] == '\t')) ++end;
      if (end < text_.size() && (text_[end] == '\n' || text_[end] == '\r')) {
        edits_.push_back({end, 0, std::move(text)});
        return std::nullopt;
      }
    }
    edits_.push_back({m.pos + 1, 0, std::move(text)});
    return std::nullopt;
  }

  // `key:` with a null value (`key:`, `key: null`, `key: ~`): the null becomes the new content.
  std::optional<Failure> FillNull(std::uint32_t key, std::uint32_t value, bool in_flow,
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
      if (token != "null" && token != "~" && token != "Null" && token != "NULL") {
        return Failure{Reason::kUnsupportedLayout, "unexpected value for an empty mapping"};
      }
    }
    (void)value;
    if (in_flow) {
      if (implicit) return Failure{Reason::kUnsupportedLayout, "empty value in a flow mapping"};
      edits_.push_back({p, token_end - p, "{" + Flow(wrappers, entries) + "}"});
      return std::nullopt;
    }
    if (!implicit) edits_.push_back({colon + 1, token_end - colon - 1, ""});
    InsertLines(NextLineStart(text_, k.pos),
                Block(wrappers, entries, k.column + step, step, Break(k.pos)), Break(k.pos));
    return std::nullopt;
  }

  // An entry whose key starts its line and whose scalar value ends on that line.
  struct LineEntry {
    std::size_t line_start, value_pos, value_end, line_end;
  };
  std::optional<LineEntry> SimpleLine(const YamlDocument::Entry& e, bool flow) const {
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

  bool HasDuplicateKeys(std::uint32_t map) const {
    const YamlNode& m = doc_.node(map);
    std::set<std::string_view> seen;
    for (std::uint32_t k = 0; k + 1 < m.count; k += 2) {
      if (!seen.insert(doc_.Scalar(doc_.child(m, k))).second) return true;
    }
    return false;
  }

  std::optional<Failure> EditAnnotations(std::uint32_t tmpl, const YamlDocument::Entry& meta,
                                         const YamlDocument::Entry& ann, const Annotations& adds,
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
      // Everything under `annotations:` was ours: remove the key too, and `metadata:` when that
      // was all it held, so uninstrument restores the template TraceAssist found.
      if (doc_.node(meta.value).count == 2 && RemoveEntry(tmpl, meta.key)) return std::nullopt;
      if (RemoveEntry(meta.value, ann.key)) return std::nullopt;
    }
    if (a.flow) {
      if (auto f = RemoveFlowEntries(ann.value, removed)) return f;
      if (!adds.empty()) return FlowInsert(ann.value, FlowItems(adds));
      return std::nullopt;
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

  // Removes the entry with key node `key` from `map` with everything under it, when that is safe:
  // a flow entry, or a block key alone on its line whose value lines all belong to it. Returns
  // false (and edits nothing) otherwise.
  bool RemoveEntry(std::uint32_t map, std::uint32_t key) {
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

  // Offset just past a node: a scalar's end, a flow collection's closing bracket, or the end of a
  // block collection's last value. npos when it cannot be told.
  std::size_t NodeEnd(std::uint32_t index, bool in_flow) const {
    const YamlNode& n = doc_.node(index);
    if (n.type == Type::kScalar) {
      const std::size_t end = SingleLineScalarEnd(text_, n.pos, in_flow);
      if (end == std::string_view::npos || in_flow) return end;
      return ContinuesOnNextLines(text_, n.pos, end) ? std::string_view::npos : end;
    }
    if (n.type != Type::kMap && n.type != Type::kSeq) return std::string_view::npos;
    std::size_t p =
        n.count == 0 ? n.pos + 1 : NodeEnd(doc_.child(n, n.count - 1), in_flow || n.flow);
    if (p == std::string_view::npos || !n.flow) return p;
    const char close = n.type == Type::kMap ? '}' : ']';
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == ',' || text_[p] == '\n' ||
                                text_[p] == '\r' || text_[p] == '\t')) {
      ++p;
    }
    return p < text_.size() && text_[p] == close ? p + 1 : std::string_view::npos;
  }

  // Removes entries (key child indices, sorted) from a flow mapping, with their separators.
  std::optional<Failure> RemoveFlowEntries(std::uint32_t map,
                                           const std::vector<std::uint32_t>& removed) {
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

  std::string_view text_;
  const YamlDocument& doc_;
  std::vector<TextEdit> edits_;
  QuoteStyle quotes_;
  bool quote_keys_ = false;
};

// ---------------------------------------------------------------------------------------------

class StreamRewriter {
 public:
  StreamRewriter(std::string_view text, const Options& options, bool plan_edits)
      : text_(text), options_(options), plan_edits_(plan_edits) {}

  Status OnDocument(const YamlDocument& doc) {
    documents_ = doc.number();
    document_starts_.push_back(doc.start());
    if (doc.complex_key() != kNoNode && text_.find("{{") != std::string_view::npos) {
      const YamlNode& n = doc.node(doc.complex_key());
      return Status::InvalidInput(
          "this looks like an unrendered Helm template ({{ ... }}); render it first, or run "
          "traceassist as a "
          "Helm --post-renderer",
          {doc.number(), n.line + 1, n.column + 1});
    }
    if (Status s = CheckQuotedScalarsClose(doc); !s.ok()) return s;
    if (Status s = CheckAliasExpansion(doc); !s.ok()) return s;
    const std::uint32_t root = doc.root();
    if (root == kNoNode || doc.resolved(root).type != Type::kMap) return Status::Ok();
    const auto kind_entry = doc.FindMerged(root, "kind");
    const std::string_view kind = kind_entry ? doc.Scalar(kind_entry->value) : std::string_view();
    // kind: List and the typed lists (DeploymentList, PodList, ...) that `kubectl get -o yaml`
    // writes.
    if (kind.size() >= 4 && kind.substr(kind.size() - 4) == "List") {
      if (const auto items = doc.FindMerged(root, "items")) {
        const YamlNode& seq = doc.resolved(items->value);
        if (seq.type == Type::kSeq) {
          for (std::uint32_t k = 0; k < seq.count; ++k) Object(doc, doc.child(seq, k));
        }
      }
      return Status::Ok();
    }
    Object(doc, root);
    return Status::Ok();
  }

  // yaml-cpp 0.7 accepts a quoted scalar that the end of the input cuts off (a truncated file); the
  // rewrite must not. Scans each quoted scalar once, so the cost stays linear in the input.
  Status CheckQuotedScalarsClose(const YamlDocument& doc) const {
    for (std::uint32_t i = 0; i < doc.size(); ++i) {
      const YamlNode& n = doc.node(i);
      if (n.type != Type::kScalar || n.pos >= text_.size()) continue;
      const char quote = text_[n.pos];
      if (quote != '"' && quote != '\'') continue;
      std::size_t p = n.pos + 1;
      for (; p < text_.size(); ++p) {
        if (quote == '"' && text_[p] == '\\') {
          ++p;
        } else if (text_[p] == quote) {
          if (quote == '\'' && p + 1 < text_.size() && text_[p + 1] == '\'') {
            ++p;
          } else {
            break;
          }
        }
      }
      if (p >= text_.size()) {
        return Status::InvalidInput("unterminated quoted scalar (is the file truncated?)",
                                    {doc.number(), n.line + 1, n.column + 1});
      }
    }
    return Status::Ok();
  }

  // Kubernetes decodes YAML into plain JSON, expanding every alias: a document whose aliases expand
  // to far more nodes than it holds ("billion laughs"), or that refers to itself, is refused as the
  // API server's decoder would refuse it. Each node is sized once (iterative post-order), so this
  // is linear whatever the nesting.
  Status CheckAliasExpansion(const YamlDocument& doc) const {
    const std::uint32_t n = doc.size();
    bool any_alias = false;
    for (std::uint32_t i = 0; i < n && !any_alias; ++i)
      any_alias = doc.node(i).type == Type::kAlias;
    if (!any_alias || doc.root() == kNoNode) return Status::Ok();
    constexpr std::uint64_t kCap = std::uint64_t{1} << 40;
    const std::uint64_t limit = std::max<std::uint64_t>(1'000'000, std::uint64_t{16} * n);
    std::vector<std::uint64_t> size(n, 0);
    std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on the stack, 2 sized
    auto children = [&](std::uint32_t i) -> std::uint32_t {
      const YamlNode& node = doc.node(i);
      if (node.type == Type::kAlias) return 1;
      return node.type == Type::kMap || node.type == Type::kSeq ? node.count : 0;
    };
    auto child = [&](std::uint32_t i, std::uint32_t k) {
      const YamlNode& node = doc.node(i);
      return node.type == Type::kAlias ? node.target : doc.child(node, k);
    };
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stack{{doc.root(), 0}};
    state[doc.root()] = 1;
    while (!stack.empty()) {
      auto& [i, next] = stack.back();
      if (next < children(i)) {
        const std::uint32_t c = child(i, next++);
        if (state[c] == 1) {
          const YamlNode& at = doc.node(i);
          return Status::InvalidInput(
              "an alias refers to a node that contains it (a cycle); Kubernetes cannot decode it",
              {doc.number(), at.line + 1, at.column + 1});
        }
        if (state[c] == 0) {
          state[c] = 1;
          stack.emplace_back(c, 0);
        }
        continue;
      }
      std::uint64_t total = doc.node(i).type == Type::kAlias ? 0 : 1;
      for (std::uint32_t k = 0; k < children(i); ++k)
        total = std::min(kCap, total + size[child(i, k)]);
      size[i] = total;
      state[i] = 2;
      if (total > limit) {
        const YamlNode& at = doc.node(i);
        return Status::LimitExceeded(
            fmt::format("aliases expand this document to over {} nodes (an alias bomb); refused",
                        limit),
            {doc.number(), at.line + 1, at.column + 1});
      }
      stack.pop_back();
    }
    return Status::Ok();
  }

  // The rewritten stream; `splices` receives the edits' footprints in the order applied.
  RewriteOutput Finish(std::string_view prefix, std::vector<Splice>& splices) && {
    std::stable_sort(edits_.begin(), edits_.end(), ApplyOrder);
    for (const auto& e : edits_) splices.push_back({e.pos, e.erase, e.insert.size()});
    RewriteOutput out;
    out.text = std::string(prefix);
    out.text += ApplyEdits(text_, std::move(edits_));
    out.report = std::move(report_);
    out.documents = documents_;
    out.lines = static_cast<int>(std::count(text_.begin(), text_.end(), '\n'));
    return out;
  }
  Report TakeReport() && { return std::move(report_); }
  const std::vector<std::size_t>& document_starts() const { return document_starts_; }

 private:
  void Object(const YamlDocument& doc, std::uint32_t node) {
    if (doc.resolved(node).type != Type::kMap) return;
    const auto kind_entry = doc.FindMerged(node, "kind");
    const auto api_entry = doc.FindMerged(node, "apiVersion");
    const std::string_view kind = kind_entry ? doc.Scalar(kind_entry->value) : std::string_view();
    const std::string_view api = api_entry ? doc.Scalar(api_entry->value) : std::string_view();
    if (!IsWorkloadKind(kind)) return;
    if (!IsWorkloadApiVersion(kind, api)) {
      // A custom resource that reuses a workload kind's name: say why it was left alone.
      ObjectReport r;
      r.document = doc.number();
      r.line = YamlAdapter{doc}.Line(node);
      r.kind = std::string(kind);
      if (const auto meta = doc.FindMerged(node, "metadata")) {
        if (const auto name = doc.FindMerged(meta->value, "name"))
          r.name = std::string(doc.Scalar(name->value));
      }
      r.status = ObjectStatus::kSkipped;
      r.reasons.emplace_back(ToString(Reason::kUnsupportedKind));
      report_.objects.push_back(std::move(r));
      return;
    }

    const WorkloadView view = BuildWorkloadView(YamlAdapter{doc}, doc.Resolve(node), kind);
    Decision d = Decide(view, options_);
    if (plan_edits_ && d.changes()) {
      ObjectEditor editor(text_, doc, options_.quote_style);
      if (auto failure = editor.Plan(doc.Resolve(node), kind, d, edits_)) {
        d.report.status = ObjectStatus::kSkipped;
        const std::string code(ToString(failure->reason));
        d.report.reasons.insert(d.report.reasons.begin(), code);
        d.report.annotations_added.clear();
        d.report.annotations_removed.clear();
        for (auto& c : d.report.containers) {
          if (c.instrumented) c.reason = code;
          c.instrumented = false;
        }
        d.warnings.push_back(
            {0, d.report.Ref(), code,
             FormatReason(Info(failure->reason).message,
                          {.lang = {}, .confidence = {}, .key = {}, .detail = failure->detail}),
             d.report.line});
      } else {
        report_.changes_made = true;
      }
    }
    d.report.document = doc.number();
    for (auto& w : d.warnings) {
      w.document = doc.number();
      report_.warnings.push_back(std::move(w));
    }
    report_.objects.push_back(std::move(d.report));
  }

  std::string_view text_;
  const Options& options_;
  bool plan_edits_;
  std::vector<TextEdit> edits_;
  Report report_;
  int documents_ = 0;
  std::vector<std::size_t> document_starts_;
};

Result<RewriteOutput> Run(std::string_view input, const Options& options, const TextLimits& limits,
                          bool plan_edits) {
  if (input.size() > limits.max_bytes) {
    return Status::LimitExceeded(
        fmt::format("input is {} bytes; the limit is {} bytes", input.size(), limits.max_bytes));
  }
  std::string_view bom;
  std::string_view text = input;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    bom = text.substr(0, 3);
    text.remove_prefix(3);  // yaml-cpp strips it and counts positions after it
  }
  if (Status s = CheckEncoding(text); !s.ok()) return s;

  Options resolved = options;  // kMatchFile looks at the whole input once
  resolved.quote_style = ResolveQuoteStyle(options.quote_style, text);
  StreamRewriter rewriter(text, resolved, plan_edits);
  Status s = ParseYamlDocuments(text, limits.max_depth,
                                [&](const YamlDocument& doc) { return rewriter.OnDocument(doc); });
  if (!s.ok()) {
    if (text.find("{{") != std::string_view::npos &&
        s.message().find("Helm") == std::string::npos) {
      return Status::Error(
          s.code(),
          s.message() + " (the input contains `{{`: if it is a Helm template, render it first)",
          s.where());
    }
    return s;
  }
  std::vector<Splice> splices;
  const std::vector<std::size_t> starts = rewriter.document_starts();
  RewriteOutput out = std::move(rewriter).Finish(bom, splices);
  if (plan_edits && out.report.changes_made) {
    // The safety net (verify.h); the added annotations nest at most three levels deeper.
    const std::string_view rewritten = std::string_view(out.text).substr(bom.size());
    if (Status v = VerifyChangedDocuments(text, splices, starts, rewritten, out.report,
                                          limits.max_depth + 3);
        !v.ok())
      return v;
  }
  return out;
}

}  // namespace

Result<RewriteOutput> RewriteManifests(std::string_view input, const Options& options,
                                       const TextLimits& limits) {
  // No exception leaves the library: yaml-cpp's are handled inside; what remains is resource
  // exhaustion.
  try {
    return Run(input, options, limits, true);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("out of memory while reading the input");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("internal error: ") + e.what());
  }
}

std::vector<std::string_view> SplitStream(std::string_view input, std::size_t parts) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  for (std::size_t k = 1; k < parts; ++k) {
    std::size_t at = std::max(start + 1, input.size() * k / parts);
    for (at = input.find("\n---", at == 0 ? 0 : at - 1); at != std::string_view::npos;
         at = input.find("\n---", at + 1)) {
      const std::size_t after = at + 4;
      if (after == input.size() ||
          std::string_view(" \t\r\n").find(input[after]) != std::string_view::npos)
        break;
    }
    if (at == std::string_view::npos) break;
    pieces.push_back(input.substr(start, at + 1 - start));
    start = at + 1;
  }
  pieces.push_back(input.substr(start));
  return pieces;
}

void AppendPiece(RewriteOutput& into, RewriteOutput piece) {
  const auto shift = [&](int& line) {
    if (line > 0) line += into.lines;
  };
  for (auto& o : piece.report.objects) {
    o.document += into.documents;
    shift(o.line);
    for (auto& c : o.containers) shift(c.line);
  }
  for (auto& w : piece.report.warnings) {
    w.document += into.documents;
    shift(w.line);
  }
  into.text += piece.text;
  into.report.Append(std::move(piece.report));
  into.documents += piece.documents;
  into.lines += piece.lines;
}

Result<Report> DetectManifests(std::string_view input, const Options& options,
                               const TextLimits& limits) {
  Result<RewriteOutput> result = Status::Internal("not run");
  try {
    result = Run(input, options, limits, false);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("out of memory while reading the input");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("internal error: ") + e.what());
  }
  if (!result.ok()) return result.status();
  return std::move(result.value().report);
}

}  // namespace traceassist::instrument
