// What was learned about a container image outside the manifest (its OCI config and, when layers
// were inspected, its entrypoint binary), as plain data. The registry client (registry/) fills it;
// the pure library only reads it: no sockets, no parsing of registry formats here.
//
// How the detector receives it: Options::image_facts, a lookup from the image reference exactly as
// written in the manifest (ContainerView::image) to the facts of that image, or null when nothing
// is known (not inspected, unresolvable, a placeholder, a cold miss past a budget). An empty lookup
// is manifest-only detection, today's behaviour.
//
// Thread-safety: ImageFacts is a value. The lookup may be called from the thread running the
// rewrite, once or more per container; it must be safe to call concurrently if one Options is
// shared between threads, and the pointer it returns must stay valid until that rewrite returns.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace traceassist::instrument {

// The file the entrypoint runs, read from the image's layers (only with --inspect-layers).
struct BinaryFacts {
  std::string path;            // absolute path inside the image, after Env expansion
  bool go_build_info = false;  // the ELF carries a Go build-info section
  std::string go_version;      // "go1.22.5" from the build info, else empty
  std::string interpreter;     // ELF PT_INTERP, e.g. /lib/ld-musl-x86_64.so.1; empty if static
};

struct ImageFacts {
  std::string reference;                // as written in the manifest
  std::string digest;                   // resolved manifest digest (sha256:…)
  std::vector<std::string> env;         // "KEY=VALUE" from the config, in config order
  std::vector<std::string> entrypoint;  // config Entrypoint
  std::vector<std::string> cmd;         // config Cmd
  std::string working_dir;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> history;         // created_by lines, oldest first
  std::optional<BinaryFacts> entry_binary;  // only with --inspect-layers
};

// reference (as written in the manifest) -> facts, or null. See the top of this file.
using ImageFactsLookup = std::function<const ImageFacts*(std::string_view reference)>;

// Where the file the image starts may be, most likely first: what --inspect-layers looks for in the
// layers (the first one present is BinaryFacts::path). The program is the first word of
// Entrypoint + Cmd past wrappers (tini, exec, env); in a shell's -c script, the first command that
// is not a builtin or a utility, with $VAR and ${VAR} expanded from the config Env and relative
// paths taken from a preceding `cd` or WorkingDir. A bare name gives one path per PATH entry (the
// config's PATH, else the Docker default). Empty when nothing is started.
std::vector<std::string> ProgramCandidates(const ImageFacts& facts);

// A path inside an image, absolute and without "." or "..": `path` itself when it starts with '/',
// else `path` taken from the directory `dir` ("/" when empty). "/a/./b/../c" -> "/a/c".
std::string ResolveImagePath(std::string_view dir, std::string_view path);

}  // namespace traceassist::instrument
