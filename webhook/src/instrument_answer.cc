#include "instrument_answer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "traceassist/instrument/diff.h"

namespace traceassist::webhook {
namespace {

using nlohmann::json;

// `text` escaped as the inside of a JSON string (without its quotes).
std::string EscapedInside(std::string text) {
  std::string quoted = json(std::move(text)).dump();
  quoted.pop_back();
  quoted.erase(0, 1);
  return quoted;
}

// The elements of the JSON array `items`, comma-separated, to follow what `segments` already
// holds of that array (nothing yet when `first`).
std::string Elements(const json& items, bool& first) {
  std::string out;
  for (const json& item : items) {
    if (!first) out += ',';
    first = false;
    out += item.dump();
  }
  return out;
}

}  // namespace

InstrumentAnswer RewriteForAnswer(std::string_view manifest, const instrument::Options& options,
                                  const instrument::TextLimits& limits, bool want_diff) {
  InstrumentAnswer answer;
  const bool compact = manifest.size() > kCompactReportBytes;
  // Every piece quotes as the whole manifest calls for, as the CLI's pieces do.
  instrument::Options piece_options = options;
  piece_options.quote_style = instrument::ResolveQuoteStyle(options.quote_style, manifest);
  const auto pieces =
      instrument::SplitStream(manifest, std::max<std::size_t>(1, manifest.size() / kPieceBytes));

  std::vector<std::string> text, objects, warnings;
  bool first_object = true, first_warning = true;
  std::string whole_text;          // only for the diff
  instrument::RewriteOutput done;  // the pieces answered so far: their documents and lines
  for (std::string_view piece : pieces) {
    auto rewritten = instrument::RewriteManifests(piece, piece_options, limits);
    if (!rewritten.ok()) {
      answer.error = instrument::PieceError(rewritten.status(), done);
      return answer;
    }
    // Shifts the piece's document and line numbers to the whole manifest's.
    instrument::AppendPiece(done, std::move(rewritten).value());
    answer.summary.Add(done.report);
    answer.summary.TallyObjects(done.report);
    json report = instrument::ToJson(done.report);
    if (compact) {
      for (json& object : report["objects"]) {
        object.erase("annotations_added");
        object.erase("annotations_removed");
        object.erase("containers");
      }
    }
    objects.push_back(Elements(report["objects"], first_object));
    warnings.push_back(Elements(report["warnings"], first_warning));
    if (want_diff) whole_text += done.text;
    text.push_back(EscapedInside(std::exchange(done.text, {})));
    done.report.objects.clear();
    done.report.warnings.clear();
  }
  answer.changes_made = done.report.changes_made;

  std::string head = answer.changes_made ? R"({"changes_made":true)" : R"({"changes_made":false)";
  if (want_diff) {
    head += R"(,"diff":)";
    head += json(instrument::UnifiedDiff(manifest, whole_text, "a/manifest", "b/manifest")).dump();
  }
  head += R"(,"modified_manifest_content":")";
  answer.segments.reserve(text.size() + objects.size() + warnings.size() + 4);
  answer.segments.push_back(std::move(head));
  for (auto& s : text) answer.segments.push_back(std::move(s));
  answer.segments.emplace_back(R"(","objects":[)");
  for (auto& s : objects) answer.segments.push_back(std::move(s));
  answer.segments.emplace_back(compact ? R"(],"report":"compact","warnings":[)"
                                       : R"(],"warnings":[)");
  for (auto& s : warnings) answer.segments.push_back(std::move(s));
  answer.segments.emplace_back("]}");
  return answer;
}

}  // namespace traceassist::webhook
