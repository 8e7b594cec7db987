#!/usr/bin/env bash
# Edge coverage of a fuzz target's working corpus over time, to tell when a long run has plateaued.
# Replays the seeds, then the working corpus in the order its inputs were added (file mtime), through
# libFuzzer's merge step, which records for each input the code edges (PCs) that no earlier input
# reached. Prints when the edge count rose, per minute, and how long it has been flat since, up to the
# last status line of the run's log. Exact where fork mode's own "cov:" is not: libFuzzer 14 starts that
# count from the feature count (llvm/llvm-project#82307). In fork mode an input is added when its job
# ends, up to 300 s after it was found.
#
# Usage: scripts/fuzz-plateau.sh [target]   (default rewrite)   env: FUZZ_BUILD_DIR (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-rewrite}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
fuzzer="$BUILD/test/fuzz/fuzz_$target" corpus="$BUILD/corpus/$target" log="$BUILD/fuzz-$target.log"
for f in "$fuzzer" "$corpus" "$log"; do
  [[ -e $f ]] || { echo "fuzz-plateau: $f is missing: run scripts/fuzz.sh first" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "mtime path", the seeds first (time 0), then the corpus oldest first.
{
  find "$BUILD/seeds/$target" -type l -printf '0 %p\n'
  find "$corpus" -type f -printf '%T@ %p\n' | sort -n
} >"$work/inputs"
n=$(wc -l <"$work/inputs")
{ echo "$n"; echo "$n"; cut -d' ' -f2- "$work/inputs"; } >"$work/control"
if ! ASAN_OPTIONS=detect_leaks=0 "$fuzzer" -merge_inner=1 -merge_control_file="$work/control" \
  -timeout=10 -rss_limit_mb=2048 >"$work/replay.log" 2>&1; then
  echo "fuzz-plateau: the replay failed; last lines:" >&2
  tail -20 "$work/replay.log" >&2
  exit 1
fi

# The control file now has "COV <input index> <new PCs...>" for each input, in replay order.
end=$(stat -c %Y "$log")
awk -v end="$end" '
  NR == FNR { mtime[FNR - 1] = int($1); next }
  $1 == "COV" { fresh[$2] = NF - 2 }
  END {
    for (i = 0; i < length(mtime); i++) {
      total += fresh[i]
      if (mtime[i] == 0) { seeds = total; continue }
      if (fresh[i] == 0) continue
      minute = strftime("%Y-%m-%d %H:%M", mtime[i], 1)
      if (minute != shown) { if (shown != "") print line; shown = minute }
      line = sprintf("%s UTC  edges %d", minute, total)
      last = mtime[i]
    }
    if (shown != "") print line
    printf "seeds alone: %d edges; whole corpus: %d edges\n", seeds, total
    if (last) printf "last new edge added %s UTC; the log ends %s UTC: flat for %d s\n",
      strftime("%H:%M:%S", last, 1), strftime("%H:%M:%S", end, 1), end - last
  }' "$work/inputs" "$work/control"
