// The CLI's rewrite of one input on all cores (the library itself runs no threads).
#pragma once

#include <string_view>

#include "traceassist/instrument/rewrite.h"

namespace traceassist::cmd {

// RewriteManifests for the CLI. Large streams are split at document markers and rewritten on all
// cores; the pieces' results are joined as if the stream had been read in one pass (document
// numbers and error lines included). Threads take pieces from a shared counter. Streams under 1 MB,
// whose work takes milliseconds, are cut finer than one piece per core: a second core that starts
// late (an idle virtual CPU can take milliseconds to wake) then finds pieces left to take instead
// of holding up the end. Throws std::bad_alloc when a piece ran out of memory.
instrument::Result<instrument::RewriteOutput> RewriteInParallel(std::string_view text,
                                                                const instrument::Options& options);

}  // namespace traceassist::cmd
