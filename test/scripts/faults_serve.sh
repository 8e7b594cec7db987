#!/usr/bin/env bash
# Faults around `traceassist serve` (see faults_serve.py): SIGKILL and restart, SIGTERM under load,
# certificate files replaced with garbage then rotated, PostgreSQL killed and restarted under load.
# The PostgreSQL part needs the throwaway server of scripts/with-postgres.sh (TRACEASSIST_TEST_*).
set -euo pipefail
BIN=$1
if ! "$BIN" serve --help >/dev/null 2>&1; then
  echo "this binary has no 'serve' subcommand (the server is not built): nothing to test"
  exit 77
fi
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }
command -v openssl >/dev/null || { echo "openssl is not installed (scripts/install-deps.sh --test)"; exit 77; }
exec python3 "$(dirname "$0")/faults_serve.py" "$BIN"
