# Shared by test/scripts/adversarial_*.sh (sourced, not a test itself).
# bounded_instrument NAME FILE [extra args...]: runs `traceassist instrument - < FILE` under the bounds
# every hostile input must respect -- 10 s wall time and a 512 MiB address-space limit (ulimit -v,
# which counts thread stacks and malloc arenas) -- and checks the outcome is exit 0, or exit 1 with a
# message on stderr. Prints one result line (used for bench/RESULTS.md) and sets OUT_FILE, ERR_FILE,
# RC, PEAK_MIB, WALL_S. Counts failures in FAILURES.
: "${BIN:?}" "${WORK:?}"
FAILURES=${FAILURES:-0}
LIMIT_KIB=${LIMIT_KIB:-524288}
TIME_LIMIT_S=${TIME_LIMIT_S:-10}
# A sanitizer build reserves terabytes of shadow address space and runs several times slower: it gets
# no address-space limit and 5x the time (it checks memory errors, the Release build checks bounds).
SANITIZED=0
LIBS=$(ldd "$BIN" 2>/dev/null || true)  # not `ldd | grep -q`: with pipefail, an early grep exit fails it
if [[ $LIBS == *libasan* || $LIBS == *libtsan* || $LIBS == *libubsan* ]]; then
  SANITIZED=1
  LIMIT_KIB=unlimited
  TIME_LIMIT_S=$((TIME_LIMIT_S * 5))
fi

bounded_instrument() {
  local name=$1 file=$2
  shift 2
  OUT_FILE=$WORK/$name.out ERR_FILE=$WORK/$name.err
  local stats=$WORK/$name.time
  set +e
  (
    ulimit -v "$LIMIT_KIB"
    exec /usr/bin/time -o "$stats" -f '%M %e' timeout -k 2 "$TIME_LIMIT_S" "$BIN" instrument "$@" - \
      <"$file" >"$OUT_FILE" 2>"$ERR_FILE"
  )
  RC=$?
  set -e
  # /usr/bin/time reports "Command exited with non-zero status N" first when N != 0.
  read -r peak_kib WALL_S < <(tail -1 "$stats")
  PEAK_MIB=$(( ${peak_kib:-0} / 1024 ))
  local size
  size=$(stat -c %s "$file")
  local verdict=ok
  if [[ $RC -eq 124 || $RC -eq 137 ]]; then
    verdict="FAIL (timed out after ${TIME_LIMIT_S}s)"
  elif [[ $RC -ne 0 && $RC -ne 1 ]]; then
    verdict="FAIL (exit $RC: crash or abort; stderr: $(head -c 300 "$ERR_FILE"))"
  elif [[ $RC -eq 1 && ! -s $ERR_FILE ]]; then
    verdict="FAIL (exit 1 without a message)"
  fi
  printf 'RESULT %-34s input %10s B  exit %s  %6ss  peak RSS %4s MiB  %s\n' \
    "$name" "$size" "$RC" "$WALL_S" "$PEAK_MIB" "$verdict"
  [[ $RC -eq 1 ]] && echo "       stderr: $(head -c 200 "$ERR_FILE" | tr '\n' ' ')"
  if [[ $verdict != ok ]]; then FAILURES=$((FAILURES + 1)); return 1; fi
  return 0
}

# expect NAME CONDITION-DESCRIPTION COMMAND...: an extra assertion about an outcome.
expect() {
  local what=$1
  shift
  if "$@"; then echo "  ok: $what"; else echo "  FAIL: $what"; FAILURES=$((FAILURES + 1)); fi
}

stderr_has() { grep -q -- "$1" "$ERR_FILE"; }
# The output parses again (yaml-cpp, through the binary) and a second run changes nothing.
output_idempotent() {
  timeout 20 "$BIN" instrument - <"$OUT_FILE" >"$OUT_FILE.2" 2>/dev/null && cmp -s "$OUT_FILE" "$OUT_FILE.2"
}
