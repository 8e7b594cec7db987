# Writing standard output (issue 18 item 3): a reader that goes away (`| head`) ends the CLI quietly
# (SIGPIPE, exit 141); any other failure (a full disk: /dev/full) prints a message and exits 1, for
# instrument, --diff and detect alike.
source "$(dirname "$0")/lib/cli_common.bash"

for i in $(seq 1 400); do
  write_java_deployment "$WORK/doc.yaml" "svc-$i"
  echo "---"
  cat "$WORK/doc.yaml"
done >"$WORK/stream.yaml"

check_closed_pipe() {  # check_closed_pipe DESCRIPTION ARGS...
  local what=$1; shift
  "$TA" "$@" 2>"$WORK/err" | head -c 100 >/dev/null
  local rc=${PIPESTATUS[0]}
  [[ $rc == 0 || $rc == 141 ]] && pass "$what into a closed pipe: exit $rc" || fail "$what into a closed pipe: exit $rc"
  # The report on stderr is expected; an error message is not.
  grep -qiE 'traceassist: |broken pipe|error' "$WORK/err" && fail "$what into a closed pipe printed: $(grep -iE 'traceassist: |broken pipe|error' "$WORK/err" | head -3)" || pass "$what into a closed pipe: no message"
}
check_closed_pipe "instrument" instrument "$WORK/stream.yaml"
check_closed_pipe "instrument --diff" instrument --diff "$WORK/stream.yaml"
check_closed_pipe "detect" detect "$WORK/stream.yaml"
# A parent that ignores SIGPIPE (some CI runners do): write() then fails with EPIPE instead.
if command -v python3 >/dev/null; then
  rc=$(python3 - "$TA" "$WORK/stream.yaml" <<'PY'
import signal, subprocess, sys
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
p = subprocess.Popen([sys.argv[1], "instrument", "-o", "json", sys.argv[2]], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, restore_signals=False)
p.stdout.read(10)
p.stdout.close()
err = p.stderr.read().decode()
print(p.wait(), "message" if "traceassist:" in err or "rror" in err else "quiet")
PY
)
  [[ $rc == "-13 quiet" ]] && pass "SIGPIPE ignored by the parent: still ends by SIGPIPE, quietly" || fail "SIGPIPE ignored by the parent: exit/stderr bytes $rc"
fi

if [[ -w /dev/full ]]; then
  check_full() {  # check_full DESCRIPTION ARGS...
    local what=$1; shift
    "$TA" "$@" >/dev/full 2>"$WORK/err"
    RC=$?
    expect_rc 1 "$what to /dev/full"
    expect_grep "$WORK/err" 'cannot write to standard output: No space left on device' "$what to /dev/full says why"
  }
  check_full "instrument" instrument "$WORK/stream.yaml"
  check_full "instrument --diff" instrument --diff "$WORK/stream.yaml"
  check_full "detect" detect "$WORK/stream.yaml"
  check_full "detect -o json" detect -o json "$WORK/stream.yaml"
  check_full "instrument --help" instrument --help
  # With a structured report the error is inside it (issue 18 item 5), with no text line before it.
  for args in "-o json" "-o json --diff"; do
    "$TA" instrument $args "$WORK/stream.yaml" >/dev/full 2>"$WORK/err"
    RC=$?
    expect_rc 1 "instrument $args to /dev/full"
    jq -e '.changes_made == false and (.errors | length == 1) and .errors[0].file == "<stdout>" and
           (.errors[0].message | test("cannot write to standard output: No space left on device"))' \
      "$WORK/err" >/dev/null 2>&1 && pass "instrument $args to /dev/full: stderr is one JSON report holding the error" ||
      fail "instrument $args to /dev/full: stderr is not one report holding the error: $(head -c 300 "$WORK/err")"
  done
  "$TA" instrument -o yaml "$WORK/stream.yaml" >/dev/full 2>"$WORK/err"
  RC=$?
  expect_rc 1 "instrument -o yaml to /dev/full"
  [[ $(head -n 1 "$WORK/err") == "changes_made: false" ]] && grep -q 'file: "<stdout>"' "$WORK/err" &&
    pass "instrument -o yaml to /dev/full: the error is inside the YAML report" ||
    fail "instrument -o yaml to /dev/full: $(head -c 300 "$WORK/err")"
else
  echo "note: /dev/full is not writable here, the full-disk checks are skipped"
fi
finish
