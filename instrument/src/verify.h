// The rewrite's safety net: before a rewritten stream leaves the library, it is read back and
// every object the report says was changed must carry exactly the intended annotations. A
// failure is a bug in the splice (an input layout it misjudged); the caller then refuses the
// input instead of returning text that would be written broken.
#pragma once

#include <string_view>

#include "traceassist/instrument/report.h"
#include "traceassist/instrument/status.h"

namespace traceassist::instrument {

// Parses `output` (UTF-8, no BOM) and checks, for each object of `report` that was instrumented
// or uninstrumented, that its pod template's annotations hold every entry of annotations_added
// with that value and none of annotations_removed; and that the stream still has `documents`
// documents. Returns an error naming the document and what differs.
Status VerifyRewrite(std::string_view output, const Report& report, int documents, int max_depth);

}  // namespace traceassist::instrument
