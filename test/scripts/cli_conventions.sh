# Conventions of the command line (issue 18, "Conventional" and items 4-5): no silent no-ops, one
# -o/--output switch, "would instrument" under --check, --help with examples and exit codes, JSON
# reports holding every error, completion scripts, the kubectl plugin name.
source "$(dirname "$0")/lib/cli_common.bash"

write_java_deployment "$WORK/app.yaml" cart
printf 'apiVersion: v1\nkind: [\n' >"$WORK/bad.yaml"

# No input on a terminal: a usage error that says how to read standard input, not a silent wait.
if python3 -c 'import pty' 2>/dev/null; then
  out=$(timeout 10 python3 - "$TA" <<'PY'
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.run([sys.argv[1], "instrument"], stdin=slave, capture_output=True, timeout=5)
print(p.returncode, p.stderr.decode().strip())
PY
)
  [[ $out == "2 "*"standard input is a terminal"* ]] && pass "instrument with a terminal on stdin and no input: usage error" || fail "terminal stdin: $out"
else
  echo "note: python3's pty module is missing, the terminal check is skipped"
fi

mkdir -p "$WORK/empty/sub"; echo 'x' >"$WORK/empty/sub/notes.txt"
run "$TA" instrument --check "$WORK/empty"
expect_rc 1 "--check on a directory with no manifests"
expect_grep "$WORK/err" 'empty: no manifests' "the empty directory is named"
run "$TA" detect "$WORK/empty"
expect_rc 1 "detect on a directory with no manifests"

run "$TA" instrument -i --diff "$WORK/app.yaml"
expect_rc 2 "-i with --diff is a usage error"
run "$TA" instrument -i --check "$WORK/app.yaml"
expect_rc 2 "-i with --check is a usage error"
grep -q inject-java "$WORK/app.yaml" && fail "a usage error rewrote the file" || pass "a usage error writes nothing"
run "$TA" instrumnet "$WORK/app.yaml"
expect_rc 2 "an unknown command"
expect_grep "$WORK/err" 'unknown command `instrumnet`' "the unknown command is named"

# One output switch: -o/--output text|json|yaml on detect and on instrument's report.
for cmd in "instrument --check" detect; do
  for flag in -o --output; do
    run "$TA" $cmd $flag json "$WORK/app.yaml"
    [[ $cmd == detect ]] && report="$WORK/out" || report="$WORK/err"
    jq -e '.objects[0].name == "cart"' "$report" >/dev/null && pass "$cmd $flag json" || fail "$cmd $flag json: $(head -c 300 "$report")"
  done
  run "$TA" $cmd -o yaml "$WORK/app.yaml"
  [[ $cmd == detect ]] && report="$WORK/out" || report="$WORK/err"
  python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["objects"][0]["name"] == "cart", d' "$report" 2>"$WORK/pyerr" \
    && pass "$cmd -o yaml is YAML with the same content" || fail "$cmd -o yaml: $(cat "$WORK/pyerr" | tail -1) $(head -c 300 "$report")"
done
run "$TA" instrument --report json "$WORK/app.yaml"
jq -e '.objects[0].status == "instrumented"' "$WORK/err" >/dev/null && pass "--report stays an alias of -o" || fail "--report json"
run "$TA" detect --format json "$WORK/app.yaml"
jq -e '.objects[0].name == "cart"' "$WORK/out" >/dev/null && pass "--format stays an alias of -o" || fail "--format json"

# --check says what it would do.
run "$TA" instrument --check "$WORK/app.yaml"
expect_grep "$WORK/err" 'deployment/cart would instrument' "--check reports 'would instrument'"
run "$TA" instrument "$WORK/app.yaml"; cp "$WORK/out" "$WORK/done.yaml"
run "$TA" uninstrument --check "$WORK/done.yaml"
expect_grep "$WORK/err" 'deployment/cart would uninstrument' "uninstrument --check reports 'would uninstrument'"

# When one input is bad nothing is written, and the text report says so.
run "$TA" instrument "$WORK/app.yaml" "$WORK/bad.yaml"
expect_grep "$WORK/err" 'deployment/cart would instrument' "with a bad input beside it, the good one 'would' be instrumented"

# JSON reports hold the errors, and nothing else is printed beside them.
run "$TA" instrument -o json "$WORK/app.yaml" "$WORK/bad.yaml" "$WORK/missing.yaml"
expect_rc 1 "-o json with a bad and a missing input"
jq -e '(.errors | map(.file) | sort) == ["'"$WORK/bad.yaml"'", "'"$WORK/missing.yaml"'"] and .changes_made == false' "$WORK/err" >/dev/null \
  && pass "instrument: stderr is one JSON document naming both bad inputs" || fail "instrument -o json stderr: $(head -c 400 "$WORK/err")"
run "$TA" detect -o json "$WORK/bad.yaml" "$WORK/app.yaml"
expect_rc 1 "detect -o json with a bad input"
jq -e '(.errors[0].file | endswith("bad.yaml")) and .errors[0].line > 0' "$WORK/out" >/dev/null && [[ ! -s "$WORK/err" ]] \
  && pass "detect: the error is inside the JSON and stderr is empty" || fail "detect -o json: out $(head -c 300 "$WORK/out") err $(head -c 300 "$WORK/err")"
run "$TA" instrument -o json "$WORK/empty"
jq -e '.errors[0].message | test("no manifests")' "$WORK/err" >/dev/null && pass "an empty directory is a JSON error too" || fail "empty dir -o json: $(head -c 300 "$WORK/err")"
# The --rules file is an input too: missing or invalid, it is an input error (exit 1) inside the
# report, and no manifest is rewritten without it.
printf 'rules: [\n' >"$WORK/bad-rules.yaml"
for rules in "$WORK/bad-rules.yaml" "$WORK/no-rules.yaml"; do
  name=$(basename "$rules")
  run "$TA" instrument -o json --rules "$rules" "$WORK/app.yaml"
  expect_rc 1 "instrument -o json --rules $name"
  jq -e '(.errors | map(.file)) == ["'"$rules"'"] and .objects == [] and .changes_made == false' "$WORK/err" >/dev/null 2>&1 \
    && [[ ! -s "$WORK/out" ]] && pass "instrument --rules $name: the error is inside the JSON, nothing is written" \
    || fail "instrument -o json --rules $name: out $(head -c 200 "$WORK/out") err $(head -c 300 "$WORK/err")"
  run "$TA" detect -o json --rules "$rules" "$WORK/app.yaml"
  expect_rc 1 "detect -o json --rules $name"
  jq -e '(.errors | map(.file)) == ["'"$rules"'"]' "$WORK/out" >/dev/null 2>&1 && [[ ! -s "$WORK/err" ]] \
    && pass "detect --rules $name: the error is inside the JSON" || fail "detect -o json --rules $name: out $(head -c 300 "$WORK/out") err $(head -c 300 "$WORK/err")"
  run "$TA" instrument --rules "$rules" "$WORK/app.yaml"
  expect_rc 1 "instrument --rules $name (text)"
  expect_grep "$WORK/err" "traceassist: $rules: " "the text error names the rules file"
done

# --rules - reads standard input: the manifests cannot come from there too (they would read nothing,
# silently).
printf 'rules: []\n' >"$WORK/stdin-rules.yaml"
for cmd in instrument detect; do
  for inputs in "" "-"; do
    rc=0
    "$TA" $cmd --rules - $inputs <"$WORK/stdin-rules.yaml" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [[ $rc == 2 ]] && grep -q 'both be read from standard input' "$WORK/err" && [[ ! -s "$WORK/out" ]] \
      && pass "$cmd --rules - ${inputs:-(no input)}: usage error, not a silent no-op" \
      || fail "$cmd --rules - ${inputs:-(no input)}: rc $rc, err $(head -c 200 "$WORK/err")"
  done
done
rc=0
"$TA" instrument --rules - "$WORK/app.yaml" <"$WORK/stdin-rules.yaml" >"$WORK/out" 2>"$WORK/err" || rc=$?
[[ $rc == 0 ]] && grep -q 'instrumentation.opentelemetry.io/inject-java' "$WORK/out" && pass "--rules - with a named manifest reads the rules from standard input" \
  || fail "--rules - with a file: rc $rc, err $(head -c 200 "$WORK/err")"

# --help ends with examples and exit codes.
for cmd in instrument uninstrument detect completion; do
  run "$TA" $cmd --help
  expect_rc 0 "$cmd --help"
  grep -q '^Examples:' "$WORK/out" && tail -n 3 "$WORK/out" | grep -q 'Exit codes: 0' \
    && pass "$cmd --help shows examples, then exit codes last" || fail "$cmd --help: $(tail -n 5 "$WORK/out")"
done

# Completion scripts come from the parser: every command and flag is in them.
run "$TA" completion bash
expect_rc 0 "completion bash"
cp "$WORK/out" "$WORK/completion.bash"
words=$(bash -c 'source "$1"; COMP_WORDS=(traceassist instrument --in); COMP_CWORD=2; _traceassist; echo "${COMPREPLY[*]}"' _ "$WORK/completion.bash")
[[ $words == "--in-place --instrumentation --init-containers --inspect-images --inspect-layers --inspect-timeout-ms" ]] && pass "bash completes instrument --in" || fail "bash completion of 'instrument --in': $words"
words=$(bash -c 'source "$1"; COMP_WORDS=(traceassist un); COMP_CWORD=1; _traceassist; echo "${COMPREPLY[*]}"' _ "$WORK/completion.bash")
[[ $words == "uninstrument" ]] && pass "bash completes the command name" || fail "bash completion of 'un': $words"
for shell in zsh fish; do
  run "$TA" completion $shell
  expect_rc 0 "completion $shell"
  expect_grep "$WORK/out" 'in-place' "the $shell script names --in-place"
  if command -v $shell >/dev/null; then
    $shell -n "$WORK/out" && pass "$shell reads its script" || fail "$shell -n rejects the script"
  else
    echo "note: $shell is not installed, its script's syntax is not checked"
  fi
done
run "$TA" completion tcsh
expect_rc 2 "completion for an unknown shell"

# As a kubectl plugin: kubectl runs kubectl-traceassist from PATH with the words after the name.
mkdir -p "$WORK/bin"; ln -s "$(realpath "$TA")" "$WORK/bin/kubectl-traceassist"
run env PATH="$WORK/bin:$PATH" kubectl-traceassist instrument "$WORK/app.yaml"
expect_rc 0 "kubectl-traceassist instrument"
expect_grep "$WORK/out" 'inject-java' "the plugin name instruments"
plugin="$TRACEASSIST_SOURCE_DIR/plugins/krew/traceassist.yaml"
python3 -c 'import sys, yaml; p = yaml.safe_load(open(sys.argv[1])); assert p["kind"] == "Plugin" and p["metadata"]["name"] == "traceassist" and all(x["bin"] == "kubectl-traceassist" for x in p["spec"]["platforms"]), p' "$plugin" \
  && pass "the krew manifest names kubectl-traceassist" || fail "krew manifest $plugin"
finish
