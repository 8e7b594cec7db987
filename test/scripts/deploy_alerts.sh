#!/usr/bin/env bash
# The chart's operations objects (issue 17, item 5), taken out of a render with prometheusRule and helmTest on:
#  - `promtool check rules` accepts the PrometheusRule's rules (expressions and annotation templates), and
#    `promtool test rules` (test/deploy/prometheus/alerts.test.yaml) makes every alert fire on synthetic
#    series of its failure and none on healthy series; an alert without a firing test fails;
#  - every traceassist_* series the rules read is in the /metrics of a running `traceassist serve`; the others
#    are the API server's (apiserver_admission_webhook_*, apiserver_request_total);
#  - the `helm test` pod's script, run here against that server, passes (/ready, one dry-run AdmissionReview
#    over TLS verified against the CA) and fails against a CA that did not sign the certificate.
set -euo pipefail
bin=${1:?usage: deploy_alerts.sh <traceassist binary>}
source "$(dirname "$0")/../deploy/setup.sh"
command -v promtool >/dev/null || skip "promtool is not installed (Debian package prometheus)"
command -v curl >/dev/null || skip "curl is not installed (the helm test script uses it)"
deploy_npm
deploy_cluster_tools
tmp="$(mktemp -d)"
server_pid=
cleanup() { [[ -z $server_pid ]] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'prometheusRule:\n  enabled: true\nhelmTest:\n  enabled: true\n' > "$tmp/values.yaml"
helm template traceassist "$SOURCE_DIR/helm/traceassist" -f "$tmp/values.yaml" -n traceassist > "$tmp/render.yaml"
node "$DEPLOY_DIR/check.mjs" manifests "$tmp/render.yaml" --label "chart with prometheusRule and helmTest"
node "$DEPLOY_DIR/check.mjs" operations "$tmp/render.yaml" "$tmp"

promtool check rules "$tmp/rules.yaml"
cp "$DEPLOY_DIR/prometheus/alerts.test.yaml" "$tmp/"
(cd "$tmp" && promtool test rules alerts.test.yaml) || fail "promtool test rules"
while read -r alert; do
  grep -B1 -A3 "alertname: $alert\$" "$tmp/alerts.test.yaml" | grep -q "exp_labels" ||
    fail "alert $alert has no test that makes it fire"
done < "$tmp/alerts.txt"
echo "ok promtool: $(wc -l < "$tmp/alerts.txt") alerts each fire on their failure series, none on healthy series"

# A real server: its /metrics, and the helm test script against it. Analytics points at a closed port, so the
# analytics metrics are exported as they are in a cluster with a database configured.
"$bin" certs --service traceassist --namespace traceassist --out "$tmp/certs" > /dev/null 2>&1 || fail "traceassist certs"
DATABASE_URL="postgresql://traceassist@127.0.0.1:1/traceassist?connect_timeout=1" \
  TRACEASSIST_TLS_CERT="$tmp/certs/tls.crt" TRACEASSIST_TLS_KEY="$tmp/certs/tls.key" \
  "$bin" serve --bind 127.0.0.1 --port 0 --tls-port 0 > "$tmp/server.log" 2>&1 &
server_pid=$!
port= tls_port=
for _ in $(seq 1 200); do
  line=$(grep '"msg":"listening"' "$tmp/server.log" | head -1 || true)
  port=$(grep -o '"port":[0-9]*' <<<"$line" | head -1 | cut -d: -f2 || true)
  tls_port=$(grep -o '"tls_port":[0-9]*' <<<"$line" | head -1 | cut -d: -f2 || true)
  [[ -n $port && -n $tls_port ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
[[ -n $port && -n $tls_port ]] || { cat "$tmp/server.log"; fail "the server did not report its ports"; }
curl -fsS "http://127.0.0.1:$port/metrics" > "$tmp/metrics.prom" || fail "GET /metrics"
others=()
while read -r name; do
  case "$name" in
    traceassist_*)
      family=$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")
      grep -q "^# TYPE $family " "$tmp/metrics.prom" || fail "the rules read $name, which /metrics does not export" ;;
    apiserver_admission_webhook_* | apiserver_request_total) others+=("$name") ;;
    *) fail "the rules read $name, which is neither TraceAssist's nor the API server's" ;;
  esac
done < "$tmp/metrics.txt"
echo "ok metrics: every traceassist_* series of the rules is in /metrics; from other exporters: ${others[*]}"

# The helm test pod's script with the pod's environment, pointed at this server (the certificate is valid for
# localhost as well as the Service name).
run_helm_test() {
  env READY_URL="http://127.0.0.1:$port/ready" MUTATE_URL="https://localhost:$tls_port/mutate" CA_FILE="$1" \
    sh "$tmp/helm-test.sh"
}
grep -q '^READY_URL=http://traceassist.traceassist.svc:80/ready$' "$tmp/helm-test.env" || fail "helm test READY_URL: $(cat "$tmp/helm-test.env")"
grep -q '^MUTATE_URL=https://traceassist.traceassist.svc:443/mutate$' "$tmp/helm-test.env" || fail "helm test MUTATE_URL"
run_helm_test "$tmp/certs/ca.crt" > "$tmp/helm-test.out" 2>&1 || { cat "$tmp/helm-test.out"; fail "the helm test script failed against a healthy server"; }
cat "$tmp/helm-test.out"
"$bin" certs --service traceassist --namespace traceassist --out "$tmp/other" > /dev/null 2>&1 || fail "traceassist certs"
if run_helm_test "$tmp/other/ca.crt" > "$tmp/helm-test-bad.out" 2>&1; then fail "the helm test script passed against the wrong CA"; fi
grep -q "FAIL: POST" "$tmp/helm-test-bad.out" || fail "wrong CA: unexpected output: $(cat "$tmp/helm-test-bad.out")"
echo "ok helm test script: fails against a CA that did not sign the certificate"
echo "deploy_alerts: all checks passed"
