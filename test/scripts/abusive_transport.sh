#!/usr/bin/env bash
# The HTTP transport of `traceassist serve` (see abusive_transport.py): request smuggling, bad
# Content-Length, slow headers and bodies, pipelining, consistent error answers.
set -euo pipefail
BIN=$1
if ! "$BIN" serve --help >/dev/null 2>&1; then
  echo "this binary has no 'serve' subcommand (the server is not built): nothing to test"
  exit 77
fi
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }
command -v openssl >/dev/null || { echo "openssl is not installed (scripts/install-deps.sh --test)"; exit 77; }
ulimit -n 4096 2>/dev/null || true
exec python3 "$(dirname "$0")/abusive_transport.py" "$BIN"
