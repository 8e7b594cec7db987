#include "parallel_rewrite.h"

#include <algorithm>
#include <atomic>
#include <new>
#include <optional>
#include <thread>
#include <vector>

namespace traceassist::cmd {

namespace ti = traceassist::instrument;

ti::Result<ti::RewriteOutput> RewriteInParallel(std::string_view text, const ti::Options& options) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  constexpr std::size_t kParallelFrom = std::size_t{64}
                                        << 10;  // below this, threads cost more than they save
  constexpr std::size_t kFineBelow = 1'000'000;
  constexpr std::size_t kFinePieceBytes = std::size_t{16} << 10;
  if (cores < 2 || text.size() < kParallelFrom || text.size() > ti::TextLimits{}.max_bytes) {
    return ti::RewriteManifests(text, options);
  }
  const std::size_t parts =
      text.size() < kFineBelow
          ? std::clamp<std::size_t>(text.size() / kFinePieceBytes, cores, 4 * cores)
          : cores;
  // Every piece quotes as the whole file calls for.
  ti::Options piece_options = options;
  piece_options.quote_style = ti::ResolveQuoteStyle(options.quote_style, text);
  const auto pieces = ti::SplitStream(text, parts);
  std::vector<std::optional<ti::Result<ti::RewriteOutput>>> results(pieces.size());
  std::vector<char> out_of_memory(pieces.size(), 0);  // an exception must not leave a worker thread
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < pieces.size(); i = next++) {
      try {
        results[i].emplace(ti::RewriteManifests(pieces[i], piece_options));
      } catch (const std::bad_alloc&) {
        out_of_memory[i] = 1;
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (unsigned i = 1; i < std::min<std::size_t>(cores, pieces.size()); ++i)
      workers.emplace_back(work);
    work();
  }
  if (std::find(out_of_memory.begin(), out_of_memory.end(), 1) != out_of_memory.end())
    throw std::bad_alloc();
  std::vector<ti::Result<ti::RewriteOutput>> done;
  done.reserve(pieces.size());
  for (auto& r : results) done.push_back(std::move(*r));
  return ti::JoinPieces(std::move(done));
}

}  // namespace traceassist::cmd
