#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan (build-fuzz/) and runs each for N seconds
# (default 60). Seed corpora are assembled at run time from the test fixtures, the example and the
# shared real-manifest corpus (read in place, never copied into the repository); the working corpus
# grows in build-fuzz/corpus/ between runs. A crash or a violated property stops with exit 1 and leaves
# the input in build-fuzz/artifacts/<target>/: add it to test/data/regressions/<target>/ (replayed by
# ctest) and fix it.
#
# Two modes:
#  - exploring (default): N seconds per target, a random seed, the working corpus kept between runs;
#  - reproducible (FUZZ_RUNS=N): exactly N executions per target from the seeds alone (a fresh corpus)
#    with a fixed seed (FUZZ_SEED, default 1), so a run that passes here passes the same way in CI.
#    scripts/test.sh uses this mode; exploring runs find new bugs, to be fixed and added as regressions.
# FUZZ_FORK=N runs an exploring run as N worker processes (libFuzzer's -fork) sharing one corpus, so a
# long run uses every core; its log then prints merged features with the seconds since the start, and
# scripts/fuzz-plateau.sh gives the edge coverage over time (fork mode's own "cov:" is not edges).
#
# Usage: scripts/fuzz.sh [seconds] [target...]
#   env: FUZZ_RUNS, FUZZ_SEED, FUZZ_FORK, FUZZ_BUILD_DIR, TRACEASSIST_CORPUS_DIR, JOBS
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
shift || true
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
CORPUS_SRC=${TRACEASSIST_CORPUS_DIR:-$PWD/../shared/corpus}
JOBS=${JOBS:-2}

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-D_GLIBCXX_ASSERTIONS" -DTRACEASSIST_FUZZ=ON -DTRACEASSIST_BUILD_TESTS=OFF \
  -DTRACEASSIST_SANITIZE=address,undefined >/dev/null
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(rewrite rules)
  for t in admission request; do
    [[ -f test/fuzz/fuzz_$t.cc && -d webhook/src ]] && targets+=("$t")
  done
  [[ -d registry/src ]] && targets+=(reference www_authenticate image_json)
fi
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]/#/fuzz_}"

# Seeds for one target, printed as a list of files.
seed_files() {
  case $1 in
    rewrite)
      find test/data examples "$CORPUS_SRC/files" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) \
        -not -path '*/regressions/rules/*' -not -path '*/regressions/admission/*' -not -path '*/regressions/request/*' \
        2>/dev/null ;;
    rules)
      find test/data -type f -path '*rules*' 2>/dev/null ;;
    image_json)
      find "$CORPUS_SRC/images" -type f -name '*.json' 2>/dev/null ;;
    admission | request)
      # JSON seeds built from the manifest fixtures (test/fuzz/make_seeds.py), into the build dir.
      local generated="$BUILD/generated-seeds/$1"
      rm -rf "$generated"
      python3 test/fuzz/make_seeds.py "$1" "$generated" \
        $(find test/data examples "$CORPUS_SRC/files" -type f \( -name '*.yaml' -o -name '*.json' \) \
          -not -path '*/regressions/*' -not -name '*.report.json' 2>/dev/null)
      find "$generated" -type f ;;
  esac
  [[ -d test/data/regressions/$1 ]] && find "test/data/regressions/$1" -type f
  [[ -d test/fuzz/seeds/$1 ]] && find "test/fuzz/seeds/$1" -type f
  return 0
}

status=0
summary=()
for t in "${targets[@]}"; do
  seeds="$BUILD/seeds/$t" corpus="$BUILD/corpus/$t" artifacts="$BUILD/artifacts/$t"
  limit=(-max_total_time="$SECONDS_PER_TARGET")
  if [[ -n "${FUZZ_RUNS:-}" ]]; then
    corpus="$BUILD/corpus-reproducible/$t"
    rm -rf "$corpus"
    limit=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
  elif [[ -n "${FUZZ_FORK:-}" ]]; then
    limit+=(-fork="$FUZZ_FORK")
  fi
  rm -rf "$seeds"
  mkdir -p "$seeds" "$corpus" "$artifacts"
  n=0
  while IFS= read -r f; do
    n=$((n + 1))
    ln -sf "$(realpath "$f")" "$seeds/$n-$(basename "$f")"
  done < <(seed_files "$t")
  dict=(-dict=test/fuzz/yaml.dict)
  case $t in reference | www_authenticate | image_json) dict=() ;; esac
  log="$BUILD/fuzz-$t.log"
  echo "--- fuzz_$t: $n seeds, ${limit[*]}"
  set +e
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$BUILD/test/fuzz/fuzz_$t" "$corpus" "$seeds" "${dict[@]}" "${limit[@]}" \
    -timeout=10 -rss_limit_mb=2048 -max_len=32768 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1
  rc=$?
  set -e
  if [[ -n "${FUZZ_FORK:-}" && -z "${FUZZ_RUNS:-}" ]]; then
    # The parent's status lines (a job's own stat lines follow a finding); their merged "cov:" is
    # not an edge count in libFuzzer 14 (llvm/llvm-project#82307).
    status_line=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
    runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$status_line")
    cov="n/a(fork)"
    ft=$(grep -o 'ft: [0-9]*' <<<"$status_line" | awk '{print $2}')
  else
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  fi
  summary+=("$(printf '%-10s exit %-3s executions %-10s coverage(edges) %-6s features %-6s corpus %s' \
    "$t" "$rc" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$(ls "$corpus" | wc -l)")")
  if [[ $rc -ne 0 ]]; then
    status=1
    echo "fuzz_$t FAILED (exit $rc); last lines of $log:"
    tail -40 "$log"
    ls "$artifacts"
  fi
done
if [[ -n "${FUZZ_RUNS:-}" ]]; then
  echo "--- fuzzing summary ($FUZZ_RUNS runs per target, seed ${FUZZ_SEED:-1})"
else
  echo "--- fuzzing summary (${SECONDS_PER_TARGET}s per target)"
fi
printf '%s\n' "${summary[@]}"
exit $status
