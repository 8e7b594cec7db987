#include "text_edit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "traceassist/instrument/rewrite.h"

namespace traceassist::instrument {

bool ApplyOrder(const TextEdit& a, const TextEdit& b) {
  if (a.pos != b.pos) return a.pos < b.pos;
  return a.erase == 0 && b.erase != 0;
}

std::string ApplyEdits(std::string_view text, std::vector<TextEdit> edits) {
  std::stable_sort(edits.begin(), edits.end(), ApplyOrder);
  std::size_t size = text.size();
  for (const auto& e : edits) size += e.insert.size();
  std::string out;
  out.reserve(size);
  std::size_t cursor = 0;
  for (const auto& e : edits) {
    const std::size_t pos = std::max(e.pos, cursor);
    out.append(text.substr(cursor, pos - cursor));
    out.append(e.insert);
    cursor = std::min(text.size(), std::max(cursor, pos + e.erase));
  }
  out.append(text.substr(cursor));
  return out;
}

std::size_t LineStart(std::string_view text, std::size_t pos) {
  const auto nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
  if (pos == 0 || nl == std::string_view::npos) return 0;
  return nl + 1;
}

std::size_t NextLineStart(std::string_view text, std::size_t pos) {
  const auto nl = text.find('\n', pos);
  return nl == std::string_view::npos ? text.size() : nl + 1;
}

std::string_view LineBreakAt(std::string_view text, std::size_t pos) {
  const auto nl = text.find('\n', pos);
  if (nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r') return "\r\n";
  if (nl == std::string_view::npos) {
    // Last line without a break: follow the file's first line break.
    const auto first = text.find('\n');
    if (first != std::string_view::npos && first > 0 && text[first - 1] == '\r') return "\r\n";
  }
  return "\n";
}

bool StartsLine(std::string_view text, std::size_t pos) {
  for (std::size_t i = LineStart(text, pos); i < pos; ++i) {
    if (text[i] != ' ') return false;
  }
  return true;
}

std::size_t NodeContentStart(std::string_view text, std::size_t pos) {
  // As yaml-cpp 0.7 scans them: a tag runs while its characters are URI characters (a quote or a
  // flow indicator ends it: `!t"x, y"` is the tag `!t` on "x, y"); an anchor runs to a blank or a
  // flow indicator.
  auto in_tag = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-#;/?:@&=+$_.~*'()%!").find(c) != std::string_view::npos;
  };
  while (pos < text.size() && (text[pos] == '!' || text[pos] == '&')) {
    if (text.compare(pos, 2, "!<") == 0) {
      pos = text.find_first_of(">\n", pos);
      if (pos == std::string_view::npos || text[pos] == '\n') return text.size();
      ++pos;
    } else if (text[pos] == '!') {
      for (++pos; pos < text.size() && in_tag(text[pos]);) ++pos;
    } else {
      pos = std::min(text.find_first_of(" \t\r\n,[]{}", pos), text.size());
    }
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  }
  return pos;
}

std::size_t SingleLineScalarEnd(std::string_view text, std::size_t mark, bool in_flow) {
  const std::size_t pos = NodeContentStart(text, mark);
  if (pos >= text.size()) return std::string_view::npos;
  const char open = text[pos];
  if (open == '"' || open == '\'') {
    for (std::size_t i = pos + 1; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\n' || c == '\r') return std::string_view::npos;
      if (open == '"' && c == '\\') {
        ++i;
      } else if (c == open) {
        if (open == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;
        } else {
          return i + 1;
        }
      }
    }
    return std::string_view::npos;
  }
  std::size_t end = pos;  // after the properties, when the content is empty
  while (end > mark && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      // In a flow collection a plain scalar folds onto the next lines unless what comes next is a
      // flow indicator, a ':' or a comment.
      if (!in_flow) break;
      const std::size_t next = text.find_first_not_of(" \t\r\n", i);
      if (next != std::string_view::npos &&
          std::string_view(",]}:#").find(text[next]) == std::string_view::npos)
        return std::string_view::npos;
      break;
    }
    if (c == '#' && i > mark && (text[i - 1] == ' ' || text[i - 1] == '\t')) break;
    if (in_flow && (c == ',' || c == ']' || c == '}')) break;
    // ": " ends a plain key (a plain value cannot hold it in block context either).
    if (c == ':' &&
        (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\t' || text[i + 1] == '\n' ||
         text[i + 1] == '\r' || (in_flow && text[i + 1] == ','))) {
      break;
    }
    if (c != ' ' && c != '\t') end = i + 1;
  }
  return end;
}

bool RestOfLineIsBlank(std::string_view text, std::size_t pos) {
  for (std::size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r' || c == '#') return true;
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

bool DocumentMarkerAt(std::string_view text, std::size_t pos) {
  return text.substr(pos, 3) == "---" &&
         (pos + 3 == text.size() ||
          std::string_view(" \t\r\n").find(text[pos + 3]) != std::string_view::npos);
}

std::size_t NextDocumentMarker(std::string_view text, std::size_t from) {
  for (std::size_t at = text.find("\n---", from); at != std::string_view::npos;
       at = text.find("\n---", at + 1)) {
    if (DocumentMarkerAt(text, at + 1)) return at + 1;
  }
  return std::string_view::npos;
}

std::string DoubleQuoted(std::string_view value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

QuoteStyle ResolveQuoteStyle(QuoteStyle style, std::string_view text) {
  if (style != QuoteStyle::kMatchFile) return style;
  return text.find('"') == std::string_view::npos ? QuoteStyle::kSingle : QuoteStyle::kDouble;
}

std::string SingleQuoted(std::string_view value) {
  std::string out = "'";
  for (const unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return DoubleQuoted(value);
    out += static_cast<char>(c);
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

}  // namespace traceassist::instrument
