// Input checks (private to the library): what the splice, which relies on yaml-cpp's byte offsets,
// and Kubernetes' decoder need of the input before anything is rewritten. Errors name the
// document, line and column (1-based).
#pragma once

#include <string_view>

#include "traceassist/instrument/status.h"
#include "yaml_tree.h"

namespace traceassist::instrument {

// Before parsing: UTF-8 only (no UTF-16/32, no NUL or other control byte but tab, LF and CR,
// well-formed sequences, no BOM) and no line ending in a lone CR. `text` is the input without its
// BOM.
Status CheckEncoding(std::string_view text);

// Each parsed document of `text`: not an unrendered Helm template, no quoted scalar cut off by the
// end of the input, no alias that refers to itself or expands the document past what the API
// server would decode.
Status CheckDocument(std::string_view text, const YamlDocument& doc);

}  // namespace traceassist::instrument
