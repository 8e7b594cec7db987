// The ownership marker (kManagedKey; format in policy.h and the README "What is written"): which
// Operator keys TraceAssist wrote, with a digest of each value it wrote, so that a value the user
// edited since is told apart and left to the user. Private to the library; pure functions.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

struct Ownership {
  // Full keys the marker lists whose value is still the one TraceAssist wrote (every listed key
  // when the marker records no digests: the form written before digests existed).
  std::set<std::string, std::less<>> owned;
  // Full keys the marker lists, present on the template with a value the user edited: the user's.
  std::vector<std::string> edited;
};

Ownership ReadOwnership(const Annotations& annotations);

// The marker for the Operator keys in `written` (full keys, with the values written, in order),
// followed by `original` (ManagedOriginal's record) when not empty.
std::string MakeMarker(const Annotations& written, std::string_view original);

// True when `marker` is `made` (MakeMarker's) without its digests: the form written before digests
// existed, otherwise right. It is kept while nothing else changes (no churn for --check gates and
// GitOps diffs after an upgrade) and gains the digests at TraceAssist's next change.
bool OldFormOf(std::string_view marker, std::string_view made);

// True for the plain scalars that read as null: `~`, `null`, `Null`, `NULL`.
bool IsNullWord(std::string_view word);

// True when `bytes`, what a marker's record holds after `annotations:` or `metadata:`, is an empty
// value as TraceAssist records one: blanks, then nothing, a null (`~`, `null`, `Null`, `NULL`) or
// `{}` after any tags and anchors. Anything else was not written by TraceAssist and is not written
// back.
bool IsEmptyValueRecord(std::string_view bytes);

}  // namespace traceassist::instrument
