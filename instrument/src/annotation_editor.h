// Plans the edits that give one object's pod template the annotations a Decision asks for:
// byte-range edits on the original text, at positions from the parsed document, or the reason the
// layout cannot be edited in place. Private to the library; one editor per object, not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text_edit.h"
#include "traceassist/instrument/options.h"
#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/reason.h"
#include "yaml_tree.h"

namespace traceassist::instrument {

// Why an object's annotations cannot be edited in place.
struct Failure {
  Reason reason;  // kYamlAnchor or kUnsupportedLayout
  std::string detail;
};

class AnnotationEditor {
 public:
  AnnotationEditor(std::string_view text, const YamlDocument& doc, QuoteStyle quotes)
      : text_(text), doc_(doc), quotes_(quotes) {}

  // Appends the edits that apply `d` to the object at `root`, or returns why it cannot. When it
  // fills an empty or null `annotations:`/`metadata:`, the ownership marker in `d` (set and
  // report) gains the record of what stood there.
  std::optional<Failure> Plan(std::uint32_t root, std::string_view kind, Decision& d,
                              std::vector<TextEdit>& out);

 private:
  // Editing a node an alias refers to (or editing through an alias) would change other places too.
  std::optional<Failure> Shared(std::uint32_t n) const;

  // An entry that only a merge key (`<<: *base`) brings in lives in the shared map: editing it, or
  // adding an explicit key that hides the merged one, would change what other places read.
  std::optional<Failure> Merged(std::uint32_t map, std::string_view key) const;

  // Layouts whose meaning the splice cannot judge, in the mapping `map` that holds `key` (empty:
  // none in particular): `key` written twice (yaml-cpp edits the first copy, most Kubernetes
  // tooling reads the last), or any explicit key (`? key` / `: value`, where new lines inserted
  // after the key's line would land inside the key), also an empty one (`: value` alone).
  std::optional<Failure> Unclear(std::uint32_t map, std::string_view key) const;

  // True when the key whose mark is at `pos` follows the explicit-key indicator `?` (only blanks
  // and line breaks in between).
  bool ExplicitKey(std::size_t pos) const;

  // Indentation step between a key and its block-map value's entries, else `fallback` (or 2).
  int Step(std::uint32_t key, std::uint32_t map, int fallback = 0) const;

  std::string_view Break(std::size_t pos) const { return LineBreakAt(text_, pos); }

  // True when every line from `from` up to `to` is blank or a comment: new lines inserted at `from`
  // then land right before the entries (a line such as `!tag` in between would end up below them).
  bool OnlyBlankLinesBetween(std::size_t from, std::size_t to) const;

  static std::string Spaces(int n) {
    return std::string(static_cast<std::size_t>(std::max(n, 0)), ' ');
  }

  // A value (or key) in the run's quote style (Options::quote_style, resolved for the file).
  std::string Quote(std::string_view value) const;

  // New block lines; keys are quoted when the file quotes the template's keys.
  std::string Block(const std::vector<std::string>& wrappers, const Annotations& entries,
                    int indent, int step, std::string_view nl) const;

  std::vector<std::string> FlowItems(const Annotations& entries) const;

  std::string FlowEntries(const Annotations& entries) const;

  std::string Flow(const std::vector<std::string>& wrappers, const Annotations& entries) const;

  // Inserts whole lines at a line start; at the end of a file with no final line break, the break
  // goes first so that the file still ends without one.
  void InsertLines(std::size_t pos, std::string block, std::string_view nl);

  // Adds `wrappers`/`entries` as new entries of the mapping `map` whose key is `key` (kNoNode for a
  // document root).
  std::optional<Failure> AddToMap(std::uint32_t map, std::uint32_t key,
                                  const std::vector<std::string>& wrappers,
                                  const Annotations& entries, int step_hint);

  // Inserts `items` as the first entries of a flow mapping: on the first entry's line when it
  // shares the opening brace's line, else one per line at the entries' indentation (pretty-printed
  // JSON).
  std::optional<Failure> FlowInsert(std::uint32_t map, const std::vector<std::string>& items);

  // `key:` with a null value (`key:`, `key: null`, `key: ~`): the null becomes the new content,
  // and the ownership marker among `entries` records it (marker_) for uninstrument.
  std::optional<Failure> FillNull(std::uint32_t key, std::uint32_t value, bool in_flow,
                                  const std::vector<std::string>& wrappers,
                                  const Annotations& entries, int step);

  // `entries` with the ownership marker among them gaining the record `key:was` (what stood after
  // the key's colon before TraceAssist filled it), also kept in marker_ for Plan.
  Annotations Recorded(const Annotations& entries, std::string_view key, std::string_view was);

  // Offset of the `:` after the one-line key `key`, npos when there is none.
  std::size_t Colon(std::uint32_t key, bool in_flow) const;

  // The bytes after entry `e`'s colon up to the end of its value, when one item of the marker can
  // hold them (one line, no comma). `in_flow`: the entry's map is flow.
  std::optional<std::string_view> ValueBytes(const YamlDocument::Entry& e, bool in_flow) const;

  static Failure EmptyFlowSpansLines(std::string_view key);

  // An entry whose key starts its line and whose scalar value ends on that line.
  struct LineEntry {
    std::size_t line_start, value_pos, value_end, line_end;
  };

  std::optional<LineEntry> SimpleLine(const YamlDocument::Entry& e, bool flow) const;

  bool HasDuplicateKeys(std::uint32_t map) const;

  std::optional<Failure> EditAnnotations(std::uint32_t tmpl, const YamlDocument::Entry& meta,
                                         const YamlDocument::Entry& ann, const Annotations& adds,
                                         const Decision& d);

  // Removes the entry with key node `key` from `map` with everything under it, when that is safe:
  // a flow entry, or a block key alone on its line whose value lines all belong to it. Returns
  // false (and edits nothing) otherwise.
  bool RemoveEntry(std::uint32_t map, std::uint32_t key);

  // Offset just past a node: a scalar's end, a flow collection's closing bracket, or the end of a
  // block collection's last value. npos when it cannot be told.
  std::size_t NodeEnd(std::uint32_t index, bool in_flow) const;

  // Removes entries (key child indices, sorted) from a flow mapping, with their separators.
  std::optional<Failure> RemoveFlowEntries(std::uint32_t map,
                                           const std::vector<std::uint32_t>& removed);

  // Writes back `bytes`, what the value of entry `e` held before TraceAssist filled it (recorded
  // after the key's colon): a flow value is replaced whole; before a block one, whose entries the
  // caller removes, the bytes return right after the colon. `in_flow`: the entry's map is flow.
  std::optional<Failure> Restore(const YamlDocument::Entry& e, bool in_flow,
                                 std::string_view bytes);

  std::string_view text_;
  const YamlDocument& doc_;
  std::vector<TextEdit> edits_;
  QuoteStyle quotes_;
  bool quote_keys_ = false;
  std::optional<std::string> marker_;  // the ownership marker's value once Recorded wrote to it
};

}  // namespace traceassist::instrument
