#!/usr/bin/env bash
# Scenario: the service's own telemetry on the real API server (issue 17, item 7). The cluster's API
# server traces every request (harness up: --tracing-config-file, samplingRatePerMillion 1000000, spans
# exported to a closed loopback port), so it sends a W3C traceparent with each webhook call:
#  - a Deployment created through the API with our own traceparent (the admin token is in
#    system:masters, whose incoming trace context the API server continues): the webhook's request log line
#    for that admission has our trace id as trace_id and request_id (= X-Request-Id), and the span id of the
#    API server's own call as span_id (not ours);
#  - a Deployment created by kubectl (no traceparent of its own): the line carries the API server's trace;
#  - the same traceparent sent straight to the webhook comes back as X-Request-Id; a malformed one is
#    ignored (own id, no trace_id in the log).
source "$(dirname "$0")/lib.sh"
start_webhook
register_webhook
labelled_namespace telemetry

server_url=$(cat "$state/ready")
token=$(awk '$1 == "token:" {print $2}' "$KUBECONFIG")
[[ -n $token ]] || fail "no token in $KUBECONFIG"
trace_id=$(head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n')
parent_id=$(head -c8 /dev/urandom | od -An -tx1 | tr -d ' \n')
deployment='{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"traced","namespace":"telemetry"},
  "spec":{"selector":{"matchLabels":{"app":"traced"}},"template":{"metadata":{"labels":{"app":"traced"}},
  "spec":{"containers":[{"name":"app","image":"eclipse-temurin:21-jre"}]}}}}'
# The last admission log line of trace TRACE_ID.
mutate_line() {  # mutate_line TRACE_ID
  grep '"msg":"request"' "$work/server.log" | grep '"route":"/mutate"' | grep "\"trace_id\":\"$1\"" | tail -1
}

# --- our traceparent, through the API server
status=$(curl -s -o "$work/created.json" -w '%{http_code}' --cacert "$state/ca.crt" \
  -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
  -H "traceparent: 00-$trace_id-$parent_id-01" \
  --data "$deployment" "$server_url/apis/apps/v1/namespaces/telemetry/deployments")
[[ $status == 201 ]] || fail "creating the traced Deployment: HTTP $status: $(head -c 300 "$work/created.json")"
jq -e '.spec.template.metadata.annotations // {} | keys | any(startswith("instrumentation.opentelemetry.io/"))' \
  "$work/created.json" >/dev/null || fail "the traced Deployment was not instrumented (the webhook was not called?)"
wait_for 10 "the webhook's log line for trace $trace_id" mutate_line "$trace_id"
line=$(mutate_line "$trace_id")
jq -e --arg t "$trace_id" '.request_id == $t and .trace_id == $t' <<<"{${line#*\{}" >/dev/null ||
  fail "request_id/trace_id of the admission are not the trace id $trace_id: $line"
span=$(jq -r .span_id <<<"{${line#*\{}")
[[ $span =~ ^[0-9a-f]{16}$ && $span != 0000000000000000 ]] || fail "span_id '$span' is not a span id"
[[ $span != "$parent_id" ]] || fail "span_id is our own parent id: the API server's call span was expected"
ok "traceparent 00-$trace_id-$parent_id-01 through the API server: the webhook logged trace_id=request_id=$trace_id, span_id=$span (the API server's call)"

# --- kubectl without a traceparent: the API server starts the trace
before=$(grep -c '"route":"/mutate"' "$work/server.log" || true)
kubectl create deployment untraced --image=node:20-slim -n telemetry >/dev/null
wait_for 10 "a new admission log line" bash -c "(( \$(grep -c '\"route\":\"/mutate\"' '$work/server.log') > $before ))"
line=$(grep '"route":"/mutate"' "$work/server.log" | tail -n +$((before + 1)) | grep '"uid"' | head -1)
jq -e '(.trace_id | test("^[0-9a-f]{32}$")) and .request_id == .trace_id and (.span_id | test("^[0-9a-f]{16}$"))' \
  <<<"{${line#*\{}" >/dev/null || fail "an admission from kubectl carries no trace of the API server: $line"
ok "kubectl create: the API server's own trace, trace_id=request_id=$(jq -r .trace_id <<<"{${line#*\{}")"

# --- the traceparent the API server sent, straight to the webhook: X-Request-Id is its trace id
sent="00-$trace_id-$span-01"
header=$(curl -s -o /dev/null -D - --cacert "$work/certs/ca.crt" -H "traceparent: $sent" \
  "https://localhost:$tls_port/health" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-request-id" {print $2}')
[[ $header == "$trace_id" ]] || fail "X-Request-Id for traceparent $sent is '$header', want $trace_id"
bad=$(curl -s -o /dev/null -D - --cacert "$work/certs/ca.crt" -H "traceparent: 00-${trace_id^^}-$span-01" \
  "https://localhost:$tls_port/health" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-request-id" {print $2}')
[[ -n $bad && $bad != "$trace_id" ]] || fail "a malformed (uppercase) traceparent was not ignored: X-Request-Id '$bad'"
ok "X-Request-Id: $header for the API server's traceparent; '$bad' (own id) for a malformed one"
