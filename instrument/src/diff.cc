#include "traceassist/instrument/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace traceassist::instrument {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op { kKeep, kDelete, kInsert };

// Myers' O((N+M)D) shortest edit script; keeps one frontier per step for the backtrack.
std::vector<Op> EditScript(const std::vector<std::string_view>& a,
                           const std::vector<std::string_view>& b) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  const int max = n + m;
  std::vector<int> v(2 * static_cast<std::size_t>(max) + 2, 0);
  std::vector<std::vector<int>> trace;
  const int offset = max + 1;
  int found_d = -1;
  for (int d = 0; d <= max && found_d < 0; ++d) {
    trace.emplace_back(v.begin() + (offset - d), v.begin() + (offset + d + 1));
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                  ? v[offset + k + 1]
                  : v[offset + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) ++x, ++y;
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found_d = d;
        break;
      }
    }
  }
  std::vector<Op> ops;
  int x = n, y = m;
  for (int d = found_d; d > 0; --d) {
    const std::vector<int>& prev =
        trace[d];  // frontier before step d, window [-(d), d]... of step d-1
    auto at = [&](int k) { return prev[k + d]; };
    const int k = x - y;
    const bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
    const int prev_k = down ? k + 1 : k - 1;
    const int prev_x = at(prev_k);
    const int prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      ops.push_back(Op::kKeep);
      --x, --y;
    }
    ops.push_back(down ? Op::kInsert : Op::kDelete);
    x = prev_x;
    y = prev_y;
  }
  while (x > 0 && y > 0) {
    ops.push_back(Op::kKeep);
    --x, --y;
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

void AppendLine(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view from_name,
                        std::string_view to_name, int context) {
  if (before == after) return {};
  const auto a = Lines(before), b = Lines(after);
  const auto ops = EditScript(a, b);
  std::string out = fmt::format("--- {}\n+++ {}\n", from_name, to_name);
  // Walk the script, emitting hunks of changes with `context` lines around them.
  std::size_t i = 0;
  int ai = 0, bi = 0;
  while (i < ops.size()) {
    if (ops[i] == Op::kKeep) {
      ++i, ++ai, ++bi;
      continue;
    }
    // Start a hunk `context` lines back.
    const int back = std::min(context, std::min(ai, bi));
    std::size_t j = i - static_cast<std::size_t>(back);
    int ha = ai - back, hb = bi - back;
    const int start_a = ha, start_b = hb;
    std::string body;
    int keep_run = 0;
    std::size_t end = j;
    for (; end < ops.size(); ++end) {
      if (ops[end] == Op::kKeep) {
        // Stop when the next change is more than 2*context lines away.
        std::size_t look = end;
        while (look < ops.size() && ops[look] == Op::kKeep) ++look;
        if (end >= i && (look == ops.size() ? static_cast<int>(look - end) > context
                                            : static_cast<int>(look - end) > 2 * context)) {
          keep_run = std::min(context, static_cast<int>(look - end));
          break;
        }
      }
    }
    int count_a = 0, count_b = 0;
    for (std::size_t t = j; t < end + static_cast<std::size_t>(keep_run); ++t) {
      switch (ops[t]) {
        case Op::kKeep:
          AppendLine(body, ' ', a[static_cast<std::size_t>(ha)]);
          ++ha, ++hb, ++count_a, ++count_b;
          break;
        case Op::kDelete:
          AppendLine(body, '-', a[static_cast<std::size_t>(ha)]);
          ++ha, ++count_a;
          break;
        case Op::kInsert:
          AppendLine(body, '+', b[static_cast<std::size_t>(hb)]);
          ++hb, ++count_b;
          break;
      }
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", count_a == 0 ? start_a : start_a + 1, count_a,
                       count_b == 0 ? start_b : start_b + 1, count_b);
    out += body;
    i = end + static_cast<std::size_t>(keep_run);
    ai = ha;
    bi = hb;
  }
  return out;
}

}  // namespace traceassist::instrument
