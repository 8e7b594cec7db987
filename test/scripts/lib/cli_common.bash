# Shared helpers for test/scripts/cli_*.sh: sourced, not run. Each script is called by ctest as
# `bash script.sh <path-to-traceassist>`; it prints one line per failed check and exits 1 if any failed.
set -uo pipefail

TA="${1:?usage: $0 <path-to-traceassist-binary>}"
[[ -x "$TA" ]] || { echo "binary $TA is not executable" >&2; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }

FAILURES=0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok: $*"; }

# run CMD... : runs the command with stdout/stderr captured in $WORK/out, $WORK/err and the exit code in RC.
run() {
  "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
}

expect_rc() {  # expect_rc WANT DESCRIPTION
  if [[ "$RC" == "$1" ]]; then pass "$2 (exit $RC)"; else
    fail "$2: exit $RC, want $1; stderr: $(head -c 600 "$WORK/err")"; fi
}

expect_grep() {  # expect_grep FILE ERE DESCRIPTION
  if grep -Eq -- "$2" "$1"; then pass "$3"; else fail "$3: /$2/ not in $(basename "$1"): $(head -c 600 "$1")"; fi
}

finish() {
  if [[ $FAILURES -gt 0 ]]; then echo "$FAILURES check(s) failed"; exit 1; fi
  echo "all checks passed"
}

# A small Deployment that needs instrumenting (java).
write_java_deployment() {  # write_java_deployment FILE NAME
  cat >"$1" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $2
spec:
  selector:
    matchLabels:
      app: $2
  template:
    metadata:
      labels:
        app: $2
    spec:
      containers:
        - name: $2
          image: eclipse-temurin:21-jre
YAML
}
