#!/usr/bin/env bash
# Runs the analytics integration tests ([pg] in test_analytics) against a throwaway PostgreSQL of
# their own, started by scripts/with-postgres.sh: they stop and start the server, so they must not
# share one with tests running in parallel (ctest -j) under an outer with-postgres.sh.
#   bash analytics_postgres.sh <path-to-traceassist-binary>
set -uo pipefail
binary=${1:?usage: analytics_postgres.sh <traceassist binary>}
source_dir=${TRACEASSIST_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tests="$(dirname "$binary")/../test/test_analytics"
if [[ ! -x "$tests" ]]; then
  echo "SKIP: $tests was not built (analytics tests need libpqxx)" >&2
  exit 77
fi
exec env -u TRACEASSIST_TEST_DATABASE_URL -u TRACEASSIST_TEST_PG_CTL -u TRACEASSIST_TEST_PG_DATA \
  bash "$source_dir/scripts/with-postgres.sh" "$tests" "[pg]"
