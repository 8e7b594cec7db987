// The 200 answer of POST /workflow/instrument for a manifest of any size, in bounded memory: the
// manifest is rewritten in pieces cut at document markers (as the CLI cuts it for its threads), and
// each piece's text and report are written into the JSON answer and dropped before the next piece
// is rewritten. The answer stays in segments, never joined into one string, so that a 10 MiB
// manifest does not hold its YAML, the report, a JSON tree and the answer all at once.
//
// Above kCompactReportBytes of manifest the report is compact: each object keeps document, line,
// kind, name, namespace, status and reasons, and the answer says "report": "compact".
//
// Thread-safety: no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "report_summary.h"
#include "traceassist/instrument/options.h"
#include "traceassist/instrument/rewrite.h"
#include "traceassist/instrument/status.h"

namespace traceassist::webhook {

inline constexpr std::size_t kCompactReportBytes = std::size_t{1} << 20;
// Pieces of about this size are rewritten one after another.
inline constexpr std::size_t kPieceBytes = std::size_t{256} << 10;

struct InstrumentAnswer {
  // Ok: the JSON answer {"changes_made", "diff"?, "modified_manifest_content", "objects",
  // "report"?, "warnings"} in consecutive segments.
  std::vector<std::string> segments;
  bool changes_made = false;
  ReportSummary summary;
  // Else the rewrite's error, located in the whole manifest (1-based document, line, column).
  instrument::Status error;
};

// Rewrites `manifest` and builds the answer; `want_diff` adds a unified diff (which needs the whole
// rewritten text at once). Throws only std::bad_alloc.
InstrumentAnswer RewriteForAnswer(std::string_view manifest, const instrument::Options& options,
                                  const instrument::TextLimits& limits, bool want_diff);

}  // namespace traceassist::webhook
