#!/usr/bin/env bash
# Disk full and file-size limits for `traceassist instrument -i` (in place): the original file is never
# truncated or half-written, the error names the file, and no temporary file is left behind.
#   1. a 1 MiB tmpfs (when this machine lets us mount one) that cannot hold the rewritten copy;
#   2. `ulimit -f` (a file-size limit) with SIGXFSZ ignored: write() fails with EFBIG;
#   3. `ulimit -f` with SIGXFSZ at its default (kill): the binary ignores it itself, so the outcome is
#      the same as 2 (it used to be killed mid-write, leaving its temporary file).
set -euo pipefail
BIN=$1
WORK=$(mktemp -d)
MNT=""
cleanup() { [[ -n $MNT ]] && umount "$MNT" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
FAILURES=0
check() { local what=$1; shift; if "$@"; then echo "  ok: $what"; else echo "  FAIL: $what"; FAILURES=$((FAILURES + 1)); fi; }
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }

manifest() {  # manifest FILE BYTES: Deployments that all get annotations
  python3 - "$1" "$2" <<'PY'
import sys
doc = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\nspec:\n  template:\n    spec:\n"
       "      containers:\n        - name: app\n          image: eclipse-temurin:21-jre\n")
out, n, i = [], 0, 0
while n < int(sys.argv[2]):
    s = ("---\n" if i else "") + doc % i
    out.append(s); n += len(s); i += 1
open(sys.argv[1], "w").write("".join(out))
PY
}
no_temp_files() { ! ls "$1" | grep -q 'traceassist-'; }

# --- 1. a full filesystem --------------------------------------------------------------------------
MNT=$WORK/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null; then
  manifest "$MNT/big.yaml" 600000
  manifest "$MNT/small.yaml" 2000
  cp "$MNT/big.yaml" "$WORK/big.orig"
  cp "$MNT/small.yaml" "$WORK/small.orig"
  chmod 640 "$MNT/big.yaml"
  set +e
  "$BIN" instrument -i "$MNT/small.yaml" "$MNT/big.yaml" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  echo "RESULT disk_full_tmpfs_1mib exit $rc: $(grep 'not written' "$WORK/err" | head -1)"
  check "disk full: exit 1" test $rc -eq 1
  check "disk full: the message names big.yaml and the cause" grep -q "big.yaml: not written: .*No space left" "$WORK/err"
  check "disk full: big.yaml is untouched (not truncated)" cmp -s "$MNT/big.yaml" "$WORK/big.orig"
  check "disk full: big.yaml keeps its mode" test "$(stat -c %a "$MNT/big.yaml")" = 640
  check "disk full: small.yaml (which fit) was rewritten" grep -q 'inject-java' "$MNT/small.yaml"
  check "disk full: no temporary file left" no_temp_files "$MNT"
  umount "$MNT"
  MNT=""
else
  echo "cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): the file-size limit cases below stand in"
fi

# --- 2 and 3. a file-size limit ---------------------------------------------------------------------
manifest "$WORK/big.yaml" 200000
cp "$WORK/big.yaml" "$WORK/big.orig"
set +e
( trap '' XFSZ; ulimit -f 128; exec "$BIN" instrument -i "$WORK/big.yaml" ) >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
echo "RESULT file_size_limit_efbig exit $rc: $(grep 'not written' "$WORK/err" | head -1)"
check "EFBIG: exit 1 with the reason" bash -c "[[ $rc -eq 1 ]] && grep -q 'not written: .*File too large' '$WORK/err'"
check "EFBIG: the file is untouched" cmp -s "$WORK/big.yaml" "$WORK/big.orig"
check "EFBIG: no temporary file left" no_temp_files "$WORK"

set +e
( ulimit -f 128; exec "$BIN" instrument -i "$WORK/big.yaml" ) >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
echo "RESULT file_size_limit_sigxfsz_default exit $rc: $(grep 'not written' "$WORK/err" | head -1)"
check "SIGXFSZ at its default: exit 1 with the reason (not killed)" \
  bash -c "[[ $rc -eq 1 ]] && grep -q 'not written: .*File too large' '$WORK/err'"
check "SIGXFSZ at its default: the file is untouched" cmp -s "$WORK/big.yaml" "$WORK/big.orig"
check "SIGXFSZ at its default: no temporary file left" no_temp_files "$WORK"

echo "failures: $FAILURES"
[[ $FAILURES -eq 0 ]]
