#!/usr/bin/env bash
# Abusive clients and overload against `traceassist serve` (see abusive_clients.py): chunked bodies
# over the limit, slowloris, unfinished TLS handshakes, plain HTTP to the TLS port, long and odd URLs,
# pipelining, 256 keep-alive clients beyond the connection cap.
set -euo pipefail
BIN=$1
if ! "$BIN" serve --help >/dev/null 2>&1; then
  echo "this binary has no 'serve' subcommand (the server is not built): nothing to test"
  exit 77
fi
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }
command -v openssl >/dev/null || { echo "openssl is not installed (scripts/install-deps.sh --test)"; exit 77; }
ulimit -n 4096 2>/dev/null || true
exec python3 "$(dirname "$0")/abusive_clients.py" "$BIN"
