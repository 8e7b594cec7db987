#!/usr/bin/env bash
# One command from a fresh Debian machine: install the build dependencies, build, and instrument the
# example application (examples/shop.yaml), printing the result to stdout and the report to stderr.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target traceassist >/dev/null
exec ./build/cmd/traceassist instrument examples/shop.yaml "$@"
