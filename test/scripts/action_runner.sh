#!/usr/bin/env bash
# Runs the REAL action.yml (repository root) through a runner imitation (lib/github_runner_imitation.py;
# GitHub's runner cannot run here) against a live `traceassist serve`, on a copy of a small repository
# tree built from the shared corpus files. Checks mode check and write, the job summary, the
# annotations (each at a line holding its container's or object's name), the outputs, a server error
# and a retried 503. Expected summaries and annotations are written out below by hand.
set -euo pipefail
binary=${1:?usage: action_runner.sh path/to/traceassist}
source_dir=${TRACEASSIST_SOURCE_DIR:?TRACEASSIST_SOURCE_DIR must point at the source tree}
corpus=${TRACEASSIST_CORPUS_DIR:?TRACEASSIST_CORPUS_DIR must point at the shared corpus}/files
imitation="$source_dir/test/scripts/lib/github_runner_imitation.py"
for tool in jq curl python3; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test)"; exit 77; }
done
python3 -c 'import yaml' 2> /dev/null || { echo "SKIP: python3-yaml is not installed (scripts/install-deps.sh --test)"; exit 77; }

# shellcheck source=test/scripts/lib/serve.bash
source "$source_dir/test/scripts/lib/serve.bash"
work=$(mktemp -d)
cleanup() {
  stop_servers
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
failures=0
check() {  # check "what" command...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
same() {  # same "what" expected_file actual_file: equal, else show the difference
  if cmp -s "$2" "$3"; then echo "ok: $1"; else echo "FAIL: $1"; diff -u "$2" "$3" || true; failures=$((failures + 1)); fi
}

token="runner-test-token-0123456789"
start_server "$binary" "$work/server.log" TRACEASSIST_API_TOKENS="$token"
host="http://127.0.0.1:$port"

# --- a small repository: four corpus files under deploy/, one outside the pattern
make_repo() {
  rm -rf "$work/repo" "$work/repo.orig"
  mkdir -p "$work/repo/deploy/apps/mesh" "$work/repo/deploy/ops/agents" "$work/repo/other"
  cp "$corpus/petclinic-customers-service.yaml" "$work/repo/deploy/apps/"
  cp "$corpus/linkerd-emojivoto-list.yaml" "$work/repo/deploy/apps/"
  cp "$corpus/istio-bookinfo.yaml" "$work/repo/deploy/apps/mesh/"
  cp "$corpus/k8s-sysdig-daemonset-crlf.yaml" "$work/repo/deploy/ops/agents/"
  cp "$corpus/argocd-sync-waves.yaml" "$work/repo/other/"
  cp -r "$work/repo" "$work/repo.orig"
}
run_action() {  # run_action NAME input=value... -> exit code; results in $work/NAME/
  mkdir -p "$work/$1"
  local name=$1
  shift
  set +e
  python3 "$imitation" "$source_dir" "$work/repo" "$work/$name" "$@" > "$work/$name/imitation.out" 2>&1
  local rc=$?
  set -e
  cat "$work/$name/imitation.out"
  return $rc
}
output() { jq -r --arg n "$2" '.[$n]' "$work/$1/outputs.json"; }
annotation_lines() {  # one "level file:line title: message" per annotation
  jq -r '.[] | "\(.level) \(.file // "-"):\(.line // "-") \(.title // "-"): \(.message)"' "$work/$1/annotations.json"
}
# Each annotation's line holds the name of what it is about: the container named in the message
# ("container NAME: ...") or else the object in the title ("(kind/NAME)").
annotated_lines_hold_names() {
  local name=$1 _level file line title message target
  while IFS=$'\t' read -r _level file line title message; do
    [[ "$file" == - ]] && continue
    if [[ "$message" =~ ^container\ ([^:]+): ]]; then target=${BASH_REMATCH[1]}; else
      target=${title##*/}
      target=${target%)}
    fi
    if ! sed -n "${line}p" "$work/repo/$file" | grep -qF -- "$target"; then
      echo "  line $line of $file does not hold '$target': $(sed -n "${line}p" "$work/repo/$file")"
      return 1
    fi
  done < <(jq -r '.[] | [.level, .file // "-", .line // "-", .title // "-", .message] | @tsv' "$work/$name/annotations.json")
}

# --- the imitation refuses what it cannot evaluate (a copy of action.yml with one function call)
mkdir -p "$work/unknown-expression" "$work/unknown-result"
cp -r "$source_dir/action" "$work/unknown-expression/"
sed "s|TRACEASSIST_MODE: \${{ inputs.mode }}|TRACEASSIST_MODE: \${{ format('{0}', inputs.mode) }}|" \
  "$source_dir/action.yml" > "$work/unknown-expression/action.yml"
rc=0
python3 "$imitation" "$work/unknown-expression" "$work/unknown-result" "$work/unknown-result" \
  traceassist_host=http://127.0.0.1:1 > "$work/unknown.out" 2>&1 || rc=$?
check "the runner imitation fails on an expression it cannot evaluate" \
  bash -c "[[ $rc == 2 ]] && grep -qF \"cannot evaluate \\\${{ format('{0}', inputs.mode) }}\" '$work/unknown.out'"

# ============================================================ check mode (the pull-request gate)
make_repo
if run_action check traceassist_host="$host" token="$token" mode=check files='deploy/**/*.yaml'; then
  echo "FAIL: check mode must fail when files would change"; failures=$((failures + 1))
else
  echo "ok: check mode fails when files would change"
fi
check "check mode writes nothing" diff -r "$work/repo.orig" "$work/repo"
check "check outputs: changes_made=true" [ "$(output check changes_made)" == true ]
check "check outputs: files_changed=2" [ "$(output check files_changed)" == 2 ]
check "check outputs: report is a file" test -f "$(output check report)"
check "the report holds 4 files with request ids" \
  jq -e '(.files | length) == 4 and all(.files[]; .request_id | startswith("traceassist-action-"))' "$(output check report)"
check "the token was masked (::add-mask:: first)" bash -c "head -1 '$work/check/log.txt' | grep -qx '::add-mask::\*\*\*' && ! grep -q '$token' '$work/check/log.txt'"

cat > "$work/expected-check-annotations" << 'EOF'
warning deploy/apps/linkerd-emojivoto-list.yaml:29 TraceAssist language_unknown (deployment/web): container web-svc: language unknown; set traceassist.io/language
warning deploy/apps/linkerd-emojivoto-list.yaml:53 TraceAssist language_unknown (deployment/emoji): container emoji-svc: language unknown; set traceassist.io/language
warning deploy/apps/mesh/istio-bookinfo.yaml:74 TraceAssist language_unknown (deployment/details-v1): container details: language unknown; set traceassist.io/language
warning deploy/apps/mesh/istio-bookinfo.yaml:125 TraceAssist language_unknown (deployment/ratings-v1): container ratings: language unknown; set traceassist.io/language
warning deploy/apps/mesh/istio-bookinfo.yaml:324 TraceAssist language_unknown (deployment/productpage-v1): container productpage: language unknown; set traceassist.io/language
error deploy/apps/mesh/istio-bookinfo.yaml:158 TraceAssist check (deployment/reviews-v1): would add instrumentation.opentelemetry.io/container-names, instrumentation.opentelemetry.io/inject-java, traceassist.io/managed
error deploy/apps/mesh/istio-bookinfo.yaml:198 TraceAssist check (deployment/reviews-v2): would add instrumentation.opentelemetry.io/container-names, instrumentation.opentelemetry.io/inject-java, traceassist.io/managed
error deploy/apps/mesh/istio-bookinfo.yaml:238 TraceAssist check (deployment/reviews-v3): would add instrumentation.opentelemetry.io/container-names, instrumentation.opentelemetry.io/inject-java, traceassist.io/managed
error deploy/apps/petclinic-customers-service.yaml:8 TraceAssist check (deployment/customers-service): would add instrumentation.opentelemetry.io/container-names, instrumentation.opentelemetry.io/inject-java, traceassist.io/managed
error -:- -: 2 file(s) would change: run TraceAssist in write mode (or add the annotations) and commit
EOF
annotation_lines check > "$work/check-annotations"
same "check-mode annotations" "$work/expected-check-annotations" "$work/check-annotations"
check "check-mode annotated lines hold the container or object name" annotated_lines_hold_names check

cat > "$work/expected-check-summary" << 'EOF'
## TraceAssist (check mode)

2 of 4 file(s) would change.

| File | Object | Status | Language | Evidence or reason |
|---|---|---|---|---|
| deploy/apps/linkerd-emojivoto-list.yaml | deployment/web | skipped |  | language&#95;unknown |
| deploy/apps/linkerd-emojivoto-list.yaml | deployment/emoji | skipped |  | language&#95;unknown |
| deploy/apps/mesh/istio-bookinfo.yaml | deployment/details-v1 | skipped |  | language&#95;unknown |
| deploy/apps/mesh/istio-bookinfo.yaml | deployment/ratings-v1 | skipped |  | language&#95;unknown |
| deploy/apps/mesh/istio-bookinfo.yaml | deployment/reviews-v1 | instrumented | reviews&#58; java | mount /opt/ibm/wlp/output |
| deploy/apps/mesh/istio-bookinfo.yaml | deployment/reviews-v2 | instrumented | reviews&#58; java | mount /opt/ibm/wlp/output |
| deploy/apps/mesh/istio-bookinfo.yaml | deployment/reviews-v3 | instrumented | reviews&#58; java | mount /opt/ibm/wlp/output |
| deploy/apps/mesh/istio-bookinfo.yaml | deployment/productpage-v1 | skipped |  | language&#95;unknown |
| deploy/apps/petclinic-customers-service.yaml | deployment/customers-service | instrumented | customers-service&#58; java | image name word spring |
| deploy/ops/agents/k8s-sysdig-daemonset-crlf.yaml | daemonset/sysdig-agent | skipped |  | no&#95;app&#95;container |

<details><summary>deploy/apps/mesh/istio-bookinfo.yaml: 12 line(s) added</summary>

<pre>--- a/deploy/apps/mesh/istio-bookinfo.yaml
+++ b/deploy/apps/mesh/istio-bookinfo.yaml
@@ -167,6 +167,10 @@
       version: v1
   template:
     metadata:
+      annotations:
+        instrumentation.opentelemetry.io/inject-java: &quot;true&quot;
+        instrumentation.opentelemetry.io/container-names: &quot;reviews&quot;
+        traceassist.io/managed: &quot;inject-java,container-names,digests=4db211e5.a1a95bd6&quot;
       labels:
         app: reviews
         version: v1
@@ -207,6 +211,10 @@
       version: v2
   template:
     metadata:
+      annotations:
+        instrumentation.opentelemetry.io/inject-java: &quot;true&quot;
+        instrumentation.opentelemetry.io/container-names: &quot;reviews&quot;
+        traceassist.io/managed: &quot;inject-java,container-names,digests=4db211e5.a1a95bd6&quot;
       labels:
         app: reviews
         version: v2
@@ -247,6 +255,10 @@
       version: v3
   template:
     metadata:
+      annotations:
+        instrumentation.opentelemetry.io/inject-java: &quot;true&quot;
+        instrumentation.opentelemetry.io/container-names: &quot;reviews&quot;
+        traceassist.io/managed: &quot;inject-java,container-names,digests=4db211e5.a1a95bd6&quot;
       labels:
         app: reviews
         version: v3
</pre>
</details>

<details open><summary>deploy/apps/petclinic-customers-service.yaml: 4 line(s) added</summary>

<pre>--- a/deploy/apps/petclinic-customers-service.yaml
+++ b/deploy/apps/petclinic-customers-service.yaml
@@ -15,6 +15,10 @@
   strategy: {}
   template:
     metadata:
+      annotations:
+        instrumentation.opentelemetry.io/inject-java: &quot;true&quot;
+        instrumentation.opentelemetry.io/container-names: &quot;customers-service&quot;
+        traceassist.io/managed: &quot;inject-java,container-names,digests=4db211e5.e7405bd8&quot;
       labels:
         app: customers-service
     spec:
</pre>
</details>

EOF
same "check-mode job summary" "$work/expected-check-summary" "$work/check/summary.md"

# ============================================================ write mode
if run_action write traceassist_host="$host" token="$token" files='deploy/**/*.yaml' \
  deployment_name='demo'; then
  echo "ok: write mode succeeds"
else
  echo "FAIL: write mode failed"; failures=$((failures + 1))
fi
check "write outputs: changes_made=true" [ "$(output write changes_made)" == true ]
check "write outputs: files_changed=2" [ "$(output write files_changed)" == 2 ]
only_added() {  # every original line kept, in order; at least one line added somewhere
  local added=0 f changes
  for f in $(cd "$work/repo.orig" && find . -type f); do
    changes=$(diff "$work/repo.orig/$f" "$work/repo/$f" || true)
    if grep -q '^<' <<< "$changes"; then echo "  $f lost lines"; return 1; fi
    if grep -q '^>' <<< "$changes"; then added=$((added + 1)); fi
  done
  [[ $added == 2 ]]
}
check "write mode only adds lines, to two files" only_added
check "the file outside the pattern is untouched" cmp -s "$work/repo.orig/other/argocd-sync-waves.yaml" "$work/repo/other/argocd-sync-waves.yaml"
cat > "$work/expected-write-annotations" << 'EOF'
warning deploy/apps/linkerd-emojivoto-list.yaml:29 TraceAssist language_unknown (deployment/web): container web-svc: language unknown; set traceassist.io/language
warning deploy/apps/linkerd-emojivoto-list.yaml:53 TraceAssist language_unknown (deployment/emoji): container emoji-svc: language unknown; set traceassist.io/language
warning deploy/apps/mesh/istio-bookinfo.yaml:74 TraceAssist language_unknown (deployment/details-v1): container details: language unknown; set traceassist.io/language
warning deploy/apps/mesh/istio-bookinfo.yaml:125 TraceAssist language_unknown (deployment/ratings-v1): container ratings: language unknown; set traceassist.io/language
warning deploy/apps/mesh/istio-bookinfo.yaml:336 TraceAssist language_unknown (deployment/productpage-v1): container productpage: language unknown; set traceassist.io/language
EOF
annotation_lines write > "$work/write-annotations"
same "write-mode annotations (lines of the written files)" "$work/expected-write-annotations" "$work/write-annotations"
check "write-mode annotated lines hold the container or object name" annotated_lines_hold_names write
check "write-mode summary: title, count, the same table" bash -c "
  [[ \$(sed -n '1p;3p' '$work/write/summary.md') == \$'## TraceAssist (write mode)\n2 of 4 file(s) changed.' ]] &&
  diff <(sed -n '/^|/p' '$work/expected-check-summary') <(sed -n '/^|/p' '$work/write/summary.md')"
check "the diff in the log sits between stop-commands markers" \
  bash -c "grep -q '^::stop-commands::[0-9a-f]\{32\}$' '$work/write/log.txt' && grep -q '^+.*inject-java' '$work/write/log.txt'"

cp -r "$work/repo" "$work/repo.written"
check "a second write run succeeds" run_action again traceassist_host="$host" token="$token" files='deploy/**/*.yaml'
check "the second run changes nothing" diff -r "$work/repo.written" "$work/repo"
check "second run outputs: changes_made=false, files_changed=0" \
  [ "$(output again changes_made)/$(output again files_changed)" == false/0 ]
check "check mode passes on the written tree" run_action check2 traceassist_host="$host" token="$token" mode=check files='deploy/**/*.yaml'

# ============================================================ manifest_path, options, errors
make_repo
check "manifest_path still works, with options" run_action single traceassist_host="$host" token="$token" \
  manifest_path=deploy/apps/linkerd-emojivoto-list.yaml enable_go=false container_languages='web-svc=nodejs emoji-svc=python'
check "manifest_path: one file changed" [ "$(output single files_changed)" == 1 ]
check "options reached the server (per-container languages written)" \
  bash -c "grep -q 'inject-nodejs' '$work/repo/deploy/apps/linkerd-emojivoto-list.yaml' && grep -q 'inject-python' '$work/repo/deploy/apps/linkerd-emojivoto-list.yaml'"

make_repo
if run_action badopt traceassist_host="$host" files='deploy/apps/*.yaml' enable_go=yes; then
  echo "FAIL: enable_go=yes must be refused"; failures=$((failures + 1))
else
  check "a bad option value is refused, naming it" grep -q "^::error::enable_go must be true or false, not 'yes'$" "$work/badopt/log.txt"
fi
if run_action wrongtoken traceassist_host="$host" token="wrong-token-000000000000" files='deploy/**/*.yaml'; then
  echo "FAIL: a wrong token must fail the step"; failures=$((failures + 1))
else
  echo "ok: a server error (401) fails the step"
fi
check "the failure names the status, the server's message and request id" \
  grep -qE '^::error::TraceAssist answered HTTP 401 for deploy/apps/linkerd-emojivoto-list.yaml \(unauthorized: .+\) \(request id traceassist-action-[0-9a-f]{16}\)$' "$work/wrongtoken/log.txt"
check "a failed run writes nothing" diff -r "$work/repo.orig" "$work/repo"
failed_id=$(grep -o 'request id traceassist-action-[0-9a-f]*' "$work/wrongtoken/log.txt" | head -1 | cut -d' ' -f3)
check "the server logged the request under the id the action sent" \
  bash -c "sleep 1.2; grep -q '\"request_id\":\"$failed_id\"' '$work/server.log'"

printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec: [unclosed\n' > "$work/repo/deploy/apps/broken.yaml"
if run_action badyaml traceassist_host="$host" token="$token" files='deploy/apps/*.yaml'; then
  echo "FAIL: a file that is not YAML must fail the step"; failures=$((failures + 1))
else
  echo "ok: a file that is not YAML fails the step"
fi
check "the YAML error is annotated at its file and line, with the request id" \
  bash -c "annotation_lines() { jq -r '.[] | \"\(.level) \(.file // \"-\"):\(.line // \"-\")\"' \"\$1\"; }; annotation_lines '$work/badyaml/annotations.json' | grep -qx 'error deploy/apps/broken.yaml:6' && grep -q 'request id traceassist-action-' '$work/badyaml/annotations.json'"
check "the other files were still written" grep -q inject-java "$work/repo/deploy/apps/petclinic-customers-service.yaml"

# ============================================================ a 503 is retried
# A second server with the smallest connection cap; four idle connections fill it, so the action's
# first request is answered 503 (Retry-After: 1). The holder lets go once the server has logged that
# 503 (20 s at most), so the retry gets through.
start_server "$binary" "$work/server503.log" TRACEASSIST_MAX_CONNECTIONS=4 TRACEASSIST_READ_TIMEOUT_MS=10000
make_repo
python3 - "$port" "$work/holding" "$work/server503.log" << 'EOF' &
import socket, sys, time
port, holding, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
open(holding, "w").close()
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    with open(log) as f:
        if any('"status":503' in line and "/workflow/instrument" in line for line in f):
            break
    time.sleep(0.05)
for s in held:
    s.close()
EOF
holder=$!
for _ in $(seq 1 250); do [[ -e "$work/holding" ]] && break; sleep 0.02; done
# The cap is full once a further connection is shed: /ready answers 503 there (/health never does).
full=
for _ in $(seq 1 250); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)
  [[ $code == 503 ]] && { full=1; break; }
  sleep 0.02
done
check "four held connections fill the server (a further one is answered 503)" test -n "$full"
check "the action succeeds through a 503" run_action retry traceassist_host="http://127.0.0.1:$port" \
  manifest_path=deploy/apps/petclinic-customers-service.yaml
wait "$holder" || true
check "the 503 was seen and retried" grep -qE '^TraceAssist: HTTP 503 for deploy/apps/petclinic-customers-service.yaml \(request id [^)]+\); retrying in 1s, attempt 2 of 4$' "$work/retry/log.txt"
check "the retried request wrote the file" grep -q inject-java "$work/repo/deploy/apps/petclinic-customers-service.yaml"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all action runner checks passed"
