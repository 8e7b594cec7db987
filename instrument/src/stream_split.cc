// Stream splitting: a large stream cut at document markers is rewritten piece by piece (in
// parallel, by the caller) and the pieces' results joined as if it had been read in one pass.
#include <algorithm>

#include "text_edit.h"
#include "traceassist/instrument/rewrite.h"

namespace traceassist::instrument {

std::vector<std::string_view> SplitStream(std::string_view input, std::size_t parts) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  for (std::size_t k = 1; k < parts; ++k) {
    const std::size_t from = std::max(start + 1, input.size() * k / parts);
    const std::size_t at = NextDocumentMarker(input, from - 1);
    if (at == std::string_view::npos) break;
    pieces.push_back(input.substr(start, at - start));
    start = at;
  }
  pieces.push_back(input.substr(start));
  return pieces;
}

void AppendPiece(RewriteOutput& into, RewriteOutput piece) {
  const auto shift = [&](int& line) {
    if (line > 0) line += into.lines;
  };
  for (auto& o : piece.report.objects) {
    o.document += into.documents;
    shift(o.line);
    for (auto& c : o.containers) shift(c.line);
  }
  for (auto& w : piece.report.warnings) {
    w.document += into.documents;
    shift(w.line);
  }
  into.text += piece.text;
  into.report.Append(std::move(piece.report));
  into.documents += piece.documents;
  into.lines += piece.lines;
}

Status PieceError(const Status& error, const RewriteOutput& before) {
  Location where = error.where();
  if (where.document > 0) where.document += before.documents;
  if (where.line > 0) where.line += before.lines;
  return Status::Error(error.code(), error.message(), where);
}

Result<RewriteOutput> JoinPieces(std::vector<Result<RewriteOutput>> pieces) {
  RewriteOutput joined;
  std::size_t size = 0;
  for (const auto& piece : pieces) size += piece.ok() ? piece.value().text.size() : 0;
  joined.text.reserve(size);
  for (auto& piece : pieces) {
    if (!piece.ok()) return PieceError(piece.status(), joined);
    AppendPiece(joined, std::move(piece).value());
  }
  return joined;
}

}  // namespace traceassist::instrument
