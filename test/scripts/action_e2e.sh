#!/usr/bin/env bash
# Runs the GitHub Action's step (action.yml at the repository root) with bash against a live `traceassist serve`, on
# files with nasty contents, and checks that every byte comes back exactly.
set -euo pipefail
binary=${1:?usage: action_e2e.sh path/to/traceassist}
source_dir=${TRACEASSIST_SOURCE_DIR:?TRACEASSIST_SOURCE_DIR must point at the source tree}
action_dir="$source_dir"  # GITHUB_ACTION_PATH: the root, where action.yml is
for tool in jq curl; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test)"; exit 77; }
done

# shellcheck source=test/scripts/lib/serve.bash
source "$source_dir/test/scripts/lib/serve.bash"
work=$(mktemp -d)
trap 'stop_servers; rm -rf "$work"' EXIT
failures=0
check() {  # check "what" command...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# --- static checks of action.yml: inputs only through env:, never ${{ inputs.* }} in run:
inputs_outside_env() {  # prints lines that use ${{ inputs.* }} other than as an env: value
  grep -n '\${{ *inputs\.' "$1" | grep -vE '^[0-9]+: +[A-Z_]+: \$\{\{ inputs\.[a-z_]+ \}\}$' || true
}
export -f inputs_outside_env
check "action.yml passes inputs through env: only" bash -c "[[ -z \"\$(inputs_outside_env '$action_dir/action.yml')\" ]]"
sed 's|run: bash |run: echo "${{ inputs.manifest_path }}"; bash |' "$action_dir/action.yml" > "$work/bad_action.yml"
check "the env: check catches \${{ inputs.* }} in run:" bash -c "[[ -n \"\$(inputs_outside_env '$work/bad_action.yml')\" ]]"
check "action.yml is a composite action" grep -q 'using: composite' "$action_dir/action.yml"
check "the step script never uses echo -e" bash -c "! grep -v '^ *#' '$action_dir/action/instrument.sh' | grep -q 'echo -e'"
run_line=$(sed -n 's/^ *run: *//p' "$action_dir/action.yml")
[[ -n "$run_line" ]] || { echo "FAIL: no run: line in action.yml"; exit 1; }

# --- a live server on an ephemeral port, with auth on
token="action-test-token-0123456789"
start_server "$binary" "$work/server.log" TRACEASSIST_API_TOKENS="$token"

# --- nasty files: backslashes, tabs, quotes, $ and $(...), unicode, CRLF, no final newline
printf 'apiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: nasty   # c:\\path\\to "quoted" \x27single\x27\r\nspec:\r\n  template:\r\n    metadata:\r\n      labels: {app: nasty}\r\n    spec:\r\n      containers:\r\n        - name: app\r\n          image: eclipse-temurin:21-jre\r\n          env:\r\n            - {name: A, value: "tab\\there \\\\ back\\\\slash $HOME $(id) `id` ${PATH}"}\r\n            - {name: U, value: "ünïcødé ✓ 日本 \\u00e9"}\r\n          args: ["--x=\t", "%%0A::warning::not-a-command"]' > "$work/deploy.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  script: "echo -e \\"a\\\\tb\\" $HOME `x` \\\\n"\n  tab: "\t"\n  uni: "ß∂ƒ"' > "$work/configmap.yaml"
cp "$work/deploy.yaml" "$work/deploy.orig"
cp "$work/configmap.yaml" "$work/configmap.orig"

run_action() {  # run_action manifest deployment_name token -> exit code; outputs in $work/out.*
  : > "$work/github_output"
  : > "$work/github_env"
  set +e
  GITHUB_ACTION_PATH="$action_dir" GITHUB_OUTPUT="$work/github_output" GITHUB_ENV="$work/github_env" \
    TRACEASSIST_HOST="http://127.0.0.1:$port" MANIFEST_PATH="$1" DEPLOYMENT_NAME="$2" \
    TRACEASSIST_TOKEN="$3" TRACEASSIST_LANGUAGE="" CLIENT_REPO="owner/repo" \
    bash -c "$run_line" > "$work/step.out" 2>&1
  local rc=$?
  set -e
  return $rc
}

injection='x"; touch '"$work"'/pwned; echo "$(touch '"$work"'/pwned2)`touch '"$work"'/pwned3`'
check "the action succeeds on the nasty Deployment" run_action "$work/deploy.yaml" "$injection" "$token"
cat "$work/step.out"
check "changes_made=true in GITHUB_OUTPUT" grep -qx 'changes_made=true' "$work/github_output"
check "TRACEASSIST_CHANGES_MADE=true in GITHUB_ENV" grep -qx 'TRACEASSIST_CHANGES_MADE=true' "$work/github_env"
check "the annotation was added" grep -q 'instrumentation.opentelemetry.io/inject-java' "$work/deploy.yaml"
# Only added lines: every original line is still there, in order (diff shows no removed line).
check "every original byte is kept (only lines added)" \
  bash -c "diff '$work/deploy.orig' '$work/deploy.yaml' | grep -q '^>' && ! diff '$work/deploy.orig' '$work/deploy.yaml' | grep -q '^<'"
check "still no final newline" bash -c "[[ \$(tail -c 1 '$work/deploy.yaml' | od -An -c | tr -d ' ') == '\"' ]] || [[ \$(tail -c 12 '$work/deploy.yaml') == \$(tail -c 12 '$work/deploy.orig') ]]"
check "CRLF line endings kept" bash -c "[[ \$(grep -c \$'\\r\$' '$work/deploy.yaml') -ge \$(grep -c \$'\\r\$' '$work/deploy.orig') ]]"
check "no shell injection through deployment_name" bash -c "[[ ! -e '$work/pwned' && ! -e '$work/pwned2' && ! -e '$work/pwned3' ]]"
check "the token was masked, never printed" bash -c "grep -q '::add-mask::' '$work/step.out' && [[ \$(grep -c '$token' '$work/step.out') -eq \$(grep -c '::add-mask::' '$work/step.out') ]]"

check "a second run changes nothing" run_action "$work/deploy.yaml" "again" "$token"
check "changes_made=false on the second run" grep -qx 'changes_made=false' "$work/github_output"
cp "$work/deploy.yaml" "$work/deploy.once"
check "the file is byte-identical after the second run" cmp -s "$work/deploy.once" "$work/deploy.yaml"

check "the action succeeds on the ConfigMap" run_action "$work/configmap.yaml" "" "$token"
check "changes_made=false for the ConfigMap" grep -qx 'changes_made=false' "$work/github_output"
check "the ConfigMap is byte-identical" cmp -s "$work/configmap.orig" "$work/configmap.yaml"

cp "$work/deploy.orig" "$work/deploy.yaml"
if run_action "$work/deploy.yaml" "" "wrong-token-000000000000"; then
  echo "FAIL: a wrong token must fail the step"; failures=$((failures + 1))
else
  echo "ok: a wrong token fails the step"
fi
check "the failure is a workflow error naming the status" grep -q '^::error::TraceAssist answered HTTP 401 for .* (unauthorized' "$work/step.out"
check "a failed step leaves the file untouched" cmp -s "$work/deploy.orig" "$work/deploy.yaml"

if run_action "$work/deploy.yaml" "" ""; then
  echo "FAIL: no token against a server with auth must fail the step"; failures=$((failures + 1))
else
  echo "ok: no token (empty header file) gets 401 from a server with auth"
fi
check "the missing-token failure names the status" grep -q '^::error::TraceAssist answered HTTP 401' "$work/step.out"

stop_servers  # request lines are written in batches: stop it to have them all
check "the server logged the requests" grep -q '"msg":"request".*"status":401' "$work/server.log"
check "the server log holds neither the token nor the manifest" \
  bash -c "! grep -q -e '$token' -e 'eclipse-temurin' -e 'ünïcødé' '$work/server.log'"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all action checks passed"
