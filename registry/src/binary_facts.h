// Facts read from an executable's bytes: the ELF interpreter (PT_INTERP: musl or glibc) and the Go
// build information (the "\xff Go buildinf:" header the Go linker writes, present in stripped
// binaries too). Pure functions; never throw; bounded by the input size.
#pragma once

#include <string_view>

#include "traceassist/instrument/image_facts.h"

namespace traceassist::registry {

// Fills interpreter, go_build_info and go_version of `out` from `bytes` (path is left alone).
// Returns false when `bytes` is not an ELF file.
bool ReadBinaryFacts(std::string_view bytes, instrument::BinaryFacts& out);

}  // namespace traceassist::registry
