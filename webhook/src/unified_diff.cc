#include "unified_diff.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace traceassist::webhook {
namespace {

constexpr int kContext = 3;

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::size_t len = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(0, len));
    text.remove_prefix(len);
  }
  return lines;
}

enum class Op { kEqual, kDelete, kInsert };
struct Edit {
  Op op;
  int a;  // line index in `before` (kEqual, kDelete)
  int b;  // line index in `after` (kEqual, kInsert)
};

// Myers' O((N+M)D) shortest edit script, on the lines between the common prefix and suffix.
std::vector<Edit> EditScript(const std::vector<std::string_view>& a,
                             const std::vector<std::string_view>& b) {
  int prefix = 0;
  const int n_all = static_cast<int>(a.size());
  const int m_all = static_cast<int>(b.size());
  while (prefix < n_all && prefix < m_all && a[prefix] == b[prefix]) ++prefix;
  int suffix = 0;
  while (suffix < n_all - prefix && suffix < m_all - prefix &&
         a[n_all - 1 - suffix] == b[m_all - 1 - suffix]) {
    ++suffix;
  }
  const int n = n_all - prefix - suffix;
  const int m = m_all - prefix - suffix;
  auto A = [&](int i) { return a[prefix + i]; };
  auto B = [&](int j) { return b[prefix + j]; };

  const int max = n + m;
  std::vector<int> v(2 * max + 3, 0);
  const int off = max + 1;
  std::vector<std::vector<int>> trace;  // trace[d] = v[-d..d] before step d
  int found_d = 0;
  for (int d = 0; d <= max; ++d) {
    trace.emplace_back(v.begin() + off - d, v.begin() + off + d + 1);
    bool done = false;
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                        : v[off + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && A(x) == B(y)) ++x, ++y;
      v[off + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
    if (done) {
      found_d = d;
      break;
    }
  }

  std::vector<Edit> reversed;
  for (int i = 0; i < suffix; ++i) {
    reversed.push_back({Op::kEqual, n_all - 1 - i, m_all - 1 - i});
  }
  int x = n;
  int y = m;
  for (int d = found_d; d >= 0; --d) {
    const std::vector<int>& tv = trace[d];
    auto at = [&](int k) { return tv[k + d]; };
    const int k = x - y;
    int prev_k = 0;
    if (d > 0) prev_k = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
    const int prev_x = d > 0 ? at(prev_k) : 0;
    const int prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x, --y;
      reversed.push_back({Op::kEqual, prefix + x, prefix + y});
    }
    if (d > 0) {
      if (x == prev_x) {
        reversed.push_back({Op::kInsert, -1, prefix + prev_y});
      } else {
        reversed.push_back({Op::kDelete, prefix + prev_x, -1});
      }
    }
    x = prev_x;
    y = prev_y;
  }
  for (int i = prefix - 1; i >= 0; --i) reversed.push_back({Op::kEqual, i, i});
  std::reverse(reversed.begin(), reversed.end());
  return reversed;
}

void AppendLine(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view name) {
  if (before == after) return {};
  const auto a = SplitLines(before);
  const auto b = SplitLines(after);
  const std::vector<Edit> edits = EditScript(a, b);

  std::string out = fmt::format("--- a/{}\n+++ b/{}\n", name, name);
  const int count = static_cast<int>(edits.size());
  int i = 0;
  int counted = 0, a_before = 0, b_before = 0;  // lines of each side before the current hunk
  while (i < count) {
    // Next change, then extend the hunk while changes are within 2 * context lines of each other.
    while (i < count && edits[i].op == Op::kEqual) ++i;
    if (i == count) break;
    const int start = std::max(0, i - kContext);
    int end = i;
    int equal_run = 0;
    for (int j = i; j < count; ++j) {
      if (edits[j].op == Op::kEqual) {
        if (++equal_run > 2 * kContext) break;
      } else {
        equal_run = 0;
        end = j + 1;
      }
    }
    end = std::min(count, end + kContext);

    int a_start = -1, b_start = -1, a_len = 0, b_len = 0;
    for (int j = start; j < end; ++j) {
      const Edit& e = edits[j];
      if (e.op != Op::kInsert) {
        if (a_start < 0) a_start = e.a;
        ++a_len;
      }
      if (e.op != Op::kDelete) {
        if (b_start < 0) b_start = e.b;
        ++b_len;
      }
    }
    // diff(1) numbering: 1-based start; for an empty range, the line before it.
    auto range_start = [](int first, int len, int fallback) {
      return len == 0 ? fallback : first + 1;
    };
    for (; counted < start; ++counted) {  // hunks start after the previous one ended
      if (edits[counted].op != Op::kInsert) ++a_before;
      if (edits[counted].op != Op::kDelete) ++b_before;
    }
    fmt::format_to(std::back_inserter(out), "@@ -{},{} +{},{} @@\n",
                   range_start(a_start, a_len, a_before), a_len,
                   range_start(b_start, b_len, b_before), b_len);
    for (int j = start; j < end; ++j) {
      const Edit& e = edits[j];
      switch (e.op) {
        case Op::kEqual:
          AppendLine(out, ' ', a[e.a]);
          break;
        case Op::kDelete:
          AppendLine(out, '-', a[e.a]);
          break;
        case Op::kInsert:
          AppendLine(out, '+', b[e.b]);
          break;
      }
    }
    i = end;
  }
  return out;
}

}  // namespace traceassist::webhook
