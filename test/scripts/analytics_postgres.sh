#!/usr/bin/env bash
# Runs the analytics integration tests ([pg] in test_analytics) against a throwaway PostgreSQL
# started by scripts/with-postgres.sh (or the one already named by TRACEASSIST_TEST_DATABASE_URL).
#   bash analytics_postgres.sh <path-to-traceassist-binary>
set -uo pipefail
binary=${1:?usage: analytics_postgres.sh <traceassist binary>}
source_dir=${TRACEASSIST_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tests="$(dirname "$binary")/../test/test_analytics"
if [[ ! -x "$tests" ]]; then
  echo "SKIP: $tests was not built (analytics tests need libpqxx)" >&2
  exit 77
fi
if [[ -n "${TRACEASSIST_TEST_DATABASE_URL:-}" ]]; then
  exec "$tests" "[pg]"
fi
exec bash "$source_dir/scripts/with-postgres.sh" "$tests" "[pg]"
