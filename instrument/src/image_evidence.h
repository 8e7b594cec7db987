// Image facts as evidence (private to the detector): what an image's config and entrypoint binary
// say about a container, beside what its manifest says. The manifest's own command replaces the
// image's Entrypoint and Cmd as Kubernetes does; its env is set on top of the image's.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "traceassist/instrument/image_facts.h"
#include "traceassist/instrument/language.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

// The image's side of a container, for the detector's rules: the config's Env names that the
// manifest does not set, and, when the manifest sets no command, the command the image starts
// (Entrypoint + Cmd, or the manifest's args in place of Cmd) with a shell script's $VAR expanded
// from the config Env. No image: the repository name is the manifest's evidence already.
ContainerView ImageConfigView(const ContainerView& container, const ImageFacts& facts);

// "image config env NAME", with "=VALUE" only for runtime keys on the allowlist (version variables
// and JAVA_HOME; images can carry secrets in env), a printable value of at most 40 characters.
std::string ImageEnvEvidence(std::string_view name, const ImageFacts& facts);

// Evidence that the image is infrastructure whatever runtime it carries (a broker's JAVA_HOME, a
// collector's Go binary): an OCI label naming an infrastructure project, or the program it starts
// (kafka-server-start.sh, prometheus, otelcol). nullopt when nothing says so.
std::optional<std::string> ImageInfrastructure(const ContainerView& container,
                                               const ImageFacts& facts);

// What the entrypoint binary says (--inspect-layers), when it is the file this container starts.
struct EntryBinaryEvidence {
  std::string go_exe;        // the Go executable's path, for otel-go-auto-target-exe; empty: not Go
  std::string go_evidence;   // "image binary /app/server has Go build info (go1.22.5)"
  std::optional<bool> musl;  // from the ELF interpreter; nullopt: static or not inspected
  std::string libc_evidence;
};
EntryBinaryEvidence ReadEntryBinary(const ContainerView& container, const ImageFacts& facts);

// Build steps (history lines) that install or build a runtime: supporting evidence only.
std::vector<std::pair<Language, std::string>> HistoryHints(const ImageFacts& facts);

}  // namespace traceassist::instrument
