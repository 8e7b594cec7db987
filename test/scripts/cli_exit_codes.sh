# Exit codes of the CLI: 0 ok, 1 input error, 2 usage error, 3 --check found changes; --version.
source "$(dirname "$0")/lib/cli_common.bash"

run "$TA" --version
expect_rc 0 "--version"
expect_grep "$WORK/out" '^traceassist [0-9]+\.[0-9]+\.[0-9]+' "--version prints 'traceassist X.Y.Z'"

run "$TA"
expect_rc 2 "no subcommand is a usage error"

# The server commands run traceassist-server (built beside the CLI), through exec.
run "$TA" certs --help
expect_rc 0 "certs --help through traceassist-server"
expect_grep "$WORK/out" -- '--namespace' "certs --help shows the server binary's flags"
run "$TA" serve --no-such-flag
expect_rc 2 "unknown serve flag is a usage error (from traceassist-server)"
if ldd "$TA" 2>/dev/null | grep -qE 'libssl|libpq|libcpp-httplib'; then
  fail "the CLI links the server stack: $(ldd "$TA" | grep -oE 'lib(ssl|pq|cpp-httplib)[^ ]*' | tr '\n' ' ')"
else
  pass "the CLI links neither OpenSSL, libpq nor httplib"
fi
if command -v taskset >/dev/null; then
  # Rewrite slots default to the CPUs the process may use (affinity, cgroup CPU limit), not the host's.
  # The server runs until stopped: wait for its start line (up to 30 s: sanitized builds on a loaded
  # machine start slowly), then stop it.
  taskset -c 0 "$TA" serve --port 0 >"$WORK/out" 2>"$WORK/err" &
  serve_pid=$!
  for _ in $(seq 1 300); do
    grep -q '"threads"' "$WORK/out" && break
    sleep 0.1
  done
  kill "$serve_pid" 2>/dev/null
  wait "$serve_pid" 2>/dev/null
  expect_grep "$WORK/out" '"threads":1[,}]' "serve pinned to one CPU defaults to one rewrite thread"
fi
mkdir -p "$WORK/alone"
cp "$TA" "$WORK/alone/traceassist"
run env PATH=/usr/bin:/bin "$WORK/alone/traceassist" serve
expect_rc 2 "serve without traceassist-server beside it or on PATH"
expect_grep "$WORK/err" 'traceassist-server.*neither beside this binary nor on PATH' "the missing server binary is named"
run "$TA" instrument --no-such-flag x.yaml
expect_rc 2 "unknown flag is a usage error"
run "$TA" instrument --report xml "$WORK/none.yaml"
expect_rc 2 "bad --report value is a usage error"
run "$TA" instrument --instrumentation 'Not A Name!' -
expect_rc 2 "invalid --instrumentation reference is a usage error"
run "$TA" instrument --language klingon -
expect_rc 2 "unknown --language is a usage error"

write_java_deployment "$WORK/app.yaml" cart
run "$TA" instrument "$WORK/app.yaml"
expect_rc 0 "instrument a valid file"
expect_grep "$WORK/out" "instrumentation.opentelemetry.io/inject-java: 'true'" "inject-java written single-quoted (the file has no double quote)"
expect_grep "$WORK/err" 'deployment/cart instrumented' "text report names deployment/cart"
cp "$WORK/out" "$WORK/instrumented.yaml"

# Repeatable options take one value each: the input after them is not swallowed.
run "$TA" instrument --container-language cart=python "$WORK/app.yaml"
expect_rc 0 "--container-language NAME=LANG followed by the input file"
expect_grep "$WORK/out" "inject-python: 'true'" "--container-language applies"
run "$TA" instrument --container-language cart=python --container-language other=java "$WORK/app.yaml"
expect_rc 0 "--container-language given twice"

run "$TA" instrument "$WORK/missing.yaml"
expect_rc 1 "missing input file is an input error"
expect_grep "$WORK/err" 'missing\.yaml' "error names the missing file"

printf 'apiVersion: v1\nkind: [\n' >"$WORK/bad.yaml"
run "$TA" instrument "$WORK/bad.yaml"
expect_rc 1 "invalid YAML is an input error"

cp "$WORK/app.yaml" "$WORK/app.before"
run "$TA" instrument --check "$WORK/app.yaml"
expect_rc 3 "--check on a file that needs instrumenting"
cmp -s "$WORK/app.yaml" "$WORK/app.before" && pass "--check does not modify the file" || fail "--check modified the file"
[[ ! -s "$WORK/out" ]] && pass "--check prints no YAML" || fail "--check printed to stdout: $(head -c 200 "$WORK/out")"
run "$TA" instrument --check "$WORK/instrumented.yaml"
expect_rc 0 "--check on an instrumented file"
run "$TA" instrument --check "$WORK/bad.yaml"
expect_rc 1 "--check on invalid YAML is an input error, not 3"
run "$TA" instrument --check "$WORK/app.yaml" "$WORK/instrumented.yaml"
expect_rc 3 "--check over several files, one needing changes"

run "$TA" uninstrument "$WORK/instrumented.yaml"
expect_rc 0 "uninstrument"
cmp -s "$WORK/out" "$WORK/app.yaml" && pass "uninstrument restores the original bytes" || fail "uninstrument output differs from the original"
run "$TA" instrument --remove "$WORK/instrumented.yaml"
expect_rc 0 "instrument --remove"
cmp -s "$WORK/out" "$WORK/app.yaml" && pass "--remove restores the original bytes" || fail "--remove output differs from the original"

run "$TA" detect "$WORK/app.yaml"
expect_rc 0 "detect"
run "$TA" detect --format xml "$WORK/app.yaml"
expect_rc 2 "detect with a bad --format is a usage error"
finish
