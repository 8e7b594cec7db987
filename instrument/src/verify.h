// The rewrite's safety net: before a rewritten stream leaves the library, it is read back and
// every object the report says was changed must carry exactly the intended annotations. A
// failure is a bug in the splice (an input layout it misjudged); the caller then refuses the
// input instead of returning text that would be written broken.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "traceassist/instrument/report.h"
#include "traceassist/instrument/status.h"

namespace traceassist::instrument {

// Parses `output` (UTF-8, no BOM) and checks, for each object of `report` that was instrumented
// or uninstrumented, that its pod template's annotations hold every entry of annotations_added
// with that value and none of annotations_removed; and that the stream still has `documents`
// documents. Returns an error naming the document and what differs.
Status VerifyRewrite(std::string_view output, const Report& report, int documents, int max_depth);

// One edit's footprint on the input: `erased` bytes at `pos` replaced by `inserted` bytes.
struct Splice {
  std::size_t pos = 0;
  std::size_t erased = 0;
  std::size_t inserted = 0;
};

// The same check as the rewrite runs it, reading back only what the splices changed. The input is
// cut at document markers (a `---` line, as SplitStream cuts it); each run of consecutive stretches
// holding a splice is parsed on its own, with the marker line that follows it (a quote or bracket
// left open would swallow that line and show), and must hold the documents that started there in
// the input, their changed objects reading as intended. The other stretches are the input's own
// bytes, which already parsed. A run that fails on its own is not judged alone: the whole output
// then goes through VerifyRewrite, whose answer is returned; so this passes only where
// VerifyRewrite would. `splices` are sorted by position; `document_starts` holds each input
// document's start offset (YamlDocument::start), in order.
Status VerifyChangedDocuments(std::string_view input, const std::vector<Splice>& splices,
                              const std::vector<std::size_t>& document_starts,
                              std::string_view output, const Report& report, int max_depth);

}  // namespace traceassist::instrument
