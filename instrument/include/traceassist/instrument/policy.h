// The annotation policy: given a workload's neutral view, which annotations TraceAssist must add,
// change or remove (rules in the Operator annotations doc, §0). One pure function, used by every
// shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/options.h"
#include "traceassist/instrument/report.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

// Our own keys on the pod template (documented in the README):
inline constexpr std::string_view kOperatorPrefix = "instrumentation.opentelemetry.io/";
inline constexpr std::string_view kManagedKey = "traceassist.io/managed";  // keys TraceAssist wrote
inline constexpr std::string_view kOptOutKey = "traceassist.io/instrument";  // "false" opts out
inline constexpr std::string_view kLanguageKey =
    "traceassist.io/language";  // language of the app containers
inline constexpr std::string_view kContainerLanguagesKey =
    "traceassist.io/container-languages";  // "app=java,w=python"
inline constexpr std::string_view kGoExeKey = "traceassist.io/go-target-exe";  // Go executable path

struct Decision {
  ObjectReport report;              // document is left 0; the caller sets it
  Annotations set;                  // keys to add or whose value changes, in writing order
  std::vector<std::string> remove;  // keys to delete
  std::vector<Warning> warnings;    // object is filled; document is left 0
  bool changes() const { return !set.empty() || !remove.empty(); }
};

// Decides for one workload. Never fails: every problem is a reason code in the report.
Decision Decide(const WorkloadView& workload, const Options& options);

// The ownership marker (kManagedKey, README "What is written") holds comma-separated items: each
// the suffix of an Operator key TraceAssist wrote, then `digests=` with the FNV-1a digest of each
// value written, in the keys' order (a value without its digest was edited by hand: the user's;
// markers written before digests have none), and at most one item with a colon, which records
// what an `annotations:` or `metadata:` that TraceAssist filled held before, byte for byte from the
// key's name on (`annotations: ~`, `metadata:`). Returns that record, or "" when there is none
// (markers written before it existed have none).
std::string_view ManagedOriginal(std::string_view marker);

}  // namespace traceassist::instrument
