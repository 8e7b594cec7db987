// Byte-range edits on the original text, applied in one pass (private to the library).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace traceassist::instrument {

struct TextEdit {
  std::size_t pos = 0;    // byte offset in the original text
  std::size_t erase = 0;  // bytes removed at pos
  std::string insert;     // text inserted at pos
};

// The order ApplyEdits applies edits in: by position; at one position, pure insertions first.
bool ApplyOrder(const TextEdit& a, const TextEdit& b);

// Applies non-overlapping edits. At one position, pure insertions go before an erase, in the order
// given. Cost is linear in the output size.
std::string ApplyEdits(std::string_view text, std::vector<TextEdit> edits);

// Helpers over the original text.
std::size_t LineStart(std::string_view text, std::size_t pos);
// Offset just past the end of the line holding `pos` (after its '\n'), or text.size().
std::size_t NextLineStart(std::string_view text, std::size_t pos);
// "\r\n" when the line holding `pos` ends so, else "\n".
std::string_view LineBreakAt(std::string_view text, std::size_t pos);
// True when only spaces precede `pos` on its line.
bool StartsLine(std::string_view text, std::size_t pos);
// Where the content of the node yaml-cpp marks at `pos` starts: past its properties (`!tag`,
// `&anchor`; the mark is on the first) and the blanks after them.
std::size_t NodeContentStart(std::string_view text, std::size_t pos);
// End of the scalar node marked at `pos` when it fits on its line: past the closing quote of a
// quoted scalar, or the end of a plain one (before " #", and before ',', ']' or '}' when
// `in_flow`). npos when a quoted scalar does not close on its line, or a plain one in a flow
// collection goes on to the next line.
std::size_t SingleLineScalarEnd(std::string_view text, std::size_t pos, bool in_flow);
// True when from `pos` to the end of the line there is only blank space or a comment.
bool RestOfLineIsBlank(std::string_view text, std::size_t pos);
// True when a document marker line (`---` alone or followed by a blank) starts at `pos`.
bool DocumentMarkerAt(std::string_view text, std::size_t pos);
// The start of the first document marker line after the line break at or after `from` (so never
// offset 0), or npos.
std::size_t NextDocumentMarker(std::string_view text, std::size_t from);
// A double-quoted scalar valid in both YAML and JSON.
std::string DoubleQuoted(std::string_view value);
// A single-quoted YAML scalar ('' for a quote inside); DoubleQuoted when `value` holds a control
// character, which single quotes cannot escape.
std::string SingleQuoted(std::string_view value);

}  // namespace traceassist::instrument
