#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs, builds, and runs every
# test (unit, end-to-end, tooling) with a throwaway PostgreSQL. Prints the time each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=$(nproc)

part() { PART_NAME=$1; PART_START=$(date +%s); echo "=== $1"; }
done_part() { echo "=== $PART_NAME took $(( $(date +%s) - PART_START ))s"; }

part "install dependencies"
bash scripts/install-deps.sh --test
done_part

part "build (Release)"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS"
done_part

part "tests"
run_ctest=(ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" --timeout 600)
if [[ -x scripts/with-postgres.sh ]]; then
  scripts/with-postgres.sh "${run_ctest[@]}"
else
  "${run_ctest[@]}"
fi
done_part
