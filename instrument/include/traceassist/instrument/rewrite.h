// Instruments Kubernetes manifests given as YAML (or JSON) text, keeping every byte the user wrote:
// the policy decides on a neutral view of each object, and the added annotation lines are spliced
// into the original bytes at positions taken from yaml-cpp's marks. Multi-document streams, kind:
// List, JSON documents and every workload kind are handled; other documents pass through untouched.
//
// Thread-safe: no shared state; concurrent calls are fine.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/options.h"
#include "traceassist/instrument/report.h"
#include "traceassist/instrument/status.h"

namespace traceassist::instrument {

struct RewriteOutput {
  std::string text;  // the rewritten stream (== input when nothing changed)
  Report report;
  int documents = 0;  // documents in the stream
  int lines = 0;      // line breaks in the input (AppendPiece shifts later pieces' lines by it)
};

// Limits that keep hostile input bounded.
struct TextLimits {
  std::size_t max_bytes = std::size_t{256} << 20;  // larger input is refused
  int max_depth = 400;                             // nesting refused before yaml-cpp sees it
};

// Rewrites `input` (Options::action decides instrument or remove). On error returns a Status with
// the document number, line and column (1-based); nothing is partially rewritten.
Result<RewriteOutput> RewriteManifests(std::string_view input, const Options& options,
                                       const TextLimits& limits = {});

// kSingle or kDouble: `style` itself, or for kMatchFile what `text` (the whole input) calls for.
QuoteStyle ResolveQuoteStyle(QuoteStyle style, std::string_view text);

// Splits a stream into at most `parts` consecutive pieces of similar size, each starting at a
// document marker (`---` at the start of a line), so that each piece is a stream of whole documents
// that can be rewritten on its own (in parallel, by the caller). Returns one piece when there is no
// marker to split at.
std::vector<std::string_view> SplitStream(std::string_view input, std::size_t parts);

// Appends the result of the piece that follows `into` in the stream: text concatenated, document
// numbers of `piece` shifted by the documents already in `into`.
void AppendPiece(RewriteOutput& into, RewriteOutput piece);

// The error of the piece that follows `before` in the stream, its document and line counted from
// the start of the stream.
Status PieceError(const Status& error, const RewriteOutput& before);

// The results of rewriting the pieces of one stream (SplitStream's, in order) joined as if the
// stream had been rewritten in one pass: the first failed piece's error, its document and line
// counted from the start of the stream; else the pieces appended (AppendPiece).
Result<RewriteOutput> JoinPieces(std::vector<Result<RewriteOutput>> pieces);

// Detection only: the report lists every workload and container, and the text is not produced.
Result<Report> DetectManifests(std::string_view input, const Options& options,
                               const TextLimits& limits = {});

}  // namespace traceassist::instrument
