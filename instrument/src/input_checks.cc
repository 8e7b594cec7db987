// Input checks: what the splice and the Kubernetes decoder need of the input before a rewrite.
#include "input_checks.h"

#include <fmt/format.h>

#include <algorithm>

#include "text_edit.h"

namespace traceassist::instrument {
namespace {

using Type = YamlNode::Type;
constexpr std::uint32_t kNoNode = YamlDocument::kNoNode;

// The document holding byte `pos`, counted as the YAML parser would for the checks below, which
// run before it: each `---` line starts a document, and content before the first one is a document
// of its own (blank, comment and directive lines are not).
int DocumentAt(std::string_view text, std::size_t pos) {
  int markers = 0;
  bool content_before_marker = false;
  for (std::size_t p = 0; p <= pos && p < text.size(); p = NextLineStart(text, p)) {
    const std::string_view line = text.substr(p, NextLineStart(text, p) - p);
    if (DocumentMarkerAt(text, p)) {
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

// yaml-cpp 0.7 accepts a quoted scalar that the end of the input cuts off (a truncated file); the
// rewrite must not. Scans each quoted scalar once, so the cost stays linear in the input.
Status CheckQuotedScalarsClose(std::string_view text, const YamlDocument& doc) {
  for (std::uint32_t i = 0; i < doc.size(); ++i) {
    const YamlNode& n = doc.node(i);
    if (n.type != Type::kScalar || n.pos >= text.size()) continue;
    const char quote = text[n.pos];
    if (quote != '"' && quote != '\'') continue;
    std::size_t p = n.pos + 1;
    for (; p < text.size(); ++p) {
      if (quote == '"' && text[p] == '\\') {
        ++p;
      } else if (text[p] == quote) {
        if (quote == '\'' && p + 1 < text.size() && text[p + 1] == '\'') {
          ++p;
        } else {
          break;
        }
      }
    }
    if (p >= text.size()) {
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
Status CheckAliasExpansion(std::string_view text, const YamlDocument& doc) {
  const std::uint32_t n = doc.size();
  bool any_alias = false;
  for (std::uint32_t i = 0; i < n && !any_alias; ++i) any_alias = doc.node(i).type == Type::kAlias;
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

}  // namespace

Status CheckEncoding(std::string_view text) {
  if (text.substr(0, 2) == "\xFE\xFF" || text.substr(0, 2) == "\xFF\xFE" ||
      text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    return Status::InvalidInput("UTF-16/UTF-32 input is not supported; convert it to UTF-8",
                                {0, 1, 1});
  }
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      if (c == 0)
        return Status::InvalidInput("NUL byte in input (binary data?)", LocationOf(text, i));
      // YAML allows no other control character unescaped (Kubernetes' parser refuses them too),
      // and yaml-cpp reads 0x04 as the end of its stream: `key:\x04x` would be a key and a value
      // to it and a plain scalar to the splice.
      if (c != '\t' && c != '\n' && c != '\r') {
        return Status::InvalidInput(
            fmt::format("control character 0x{:02X} in input (YAML allows it only escaped in a "
                        "double-quoted string)",
                        c),
            LocationOf(text, i));
      }
      // YAML reads a lone CR as a line break, but the splice works on LF-ended lines: refused
      // rather than rewritten wrong.
      if (c == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
        return Status::InvalidInput(
            "a line ends with CR alone (classic Mac line endings); convert the file to LF or CRLF",
            LocationOf(text, i));
      }
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
    // The input's own BOM is stripped before this check. yaml-cpp strips one more at the start of
    // what it parses (its positions then point three bytes early, and the splice edits the wrong
    // bytes) and reads one anywhere else as text, where Kubernetes' parser skips it.
    if (text.compare(i, 3, "\xEF\xBB\xBF") == 0) {
      return Status::InvalidInput(
          "byte order mark (U+FEFF) after the start of the input (files joined together?); only "
          "the first bytes of the input may be one: remove it",
          LocationOf(text, i));
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return Status::Ok();
}

Status CheckDocument(std::string_view text, const YamlDocument& doc) {
  if (doc.complex_key() != kNoNode && text.find("{{") != std::string_view::npos) {
    const YamlNode& n = doc.node(doc.complex_key());
    return Status::InvalidInput(
        "this looks like an unrendered Helm template ({{ ... }}); render it first, or run "
        "traceassist as a "
        "Helm --post-renderer",
        {doc.number(), n.line + 1, n.column + 1});
  }
  if (Status s = CheckQuotedScalarsClose(text, doc); !s.ok()) return s;
  return CheckAliasExpansion(text, doc);
}

}  // namespace traceassist::instrument
