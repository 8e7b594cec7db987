#!/usr/bin/env bash
# docs/openapi.yaml against a live `traceassist serve` with schemathesis (see contract_schemathesis.py).
# schemathesis and every package it needs are pinned to exact versions with hashes in
# test/contract/requirements.txt; they are installed into a venv kept under
# ${TRACEASSIST_VENV_DIR:-$HOME/.cache/traceassist} and named by the hash of that file.
set -euo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if ! "$BIN" serve --help >/dev/null 2>&1; then
  echo "this binary has no 'serve' subcommand (the server is not built): nothing to test"
  exit 77
fi
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }
command -v openssl >/dev/null || { echo "openssl is not installed (scripts/install-deps.sh --test)"; exit 77; }
REQ=$ROOT/test/contract/requirements.txt
VENV=${TRACEASSIST_VENV_DIR:-$HOME/.cache/traceassist}/schemathesis-$(sha256sum "$REQ" | cut -c1-16)
if [ ! -x "$VENV/bin/schemathesis" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$REQ"; then
    rm -rf "$VENV"
    echo "FAIL: could not install schemathesis from $REQ (PyPI unreachable?)"
    exit 1
  fi
fi
exec "$VENV/bin/python" "$HERE/contract_schemathesis.py" "$BIN" "$VENV/bin/schemathesis" "$ROOT/docs/openapi.yaml"
