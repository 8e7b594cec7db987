#!/usr/bin/env bash
# Scenario 4, failure: with TraceAssist stopped, `kubectl apply` succeeds within the webhook's timeout
# and the object is stored uninstrumented (the API server counts a fail-open); once TraceAssist is back
# on the same port, the next apply instruments. Then the serving certificate is rotated (the Secret
# volume swapped, as the kubelet does it) while objects are created without pause: the API server's
# apiserver_admission_webhook_fail_open_count for our webhook does not move and every object created
# during the rotation is instrumented.
source "$(dirname "$0")/lib.sh"
# The rotation's second pair and a caBundle that trusts both CAs, as during a real CA rotation.
"$bin" certs --service traceassist --namespace traceassist --out "$work/certs2" >/dev/null 2>&1 || fail "traceassist certs"
ca_bundle=$(cat "$work/certs/ca.crt" "$work/certs2/ca.crt" | base64 -w0)
start_webhook
register_webhook
name=workloads.traceassist.io
fail_open() { metric apiserver_admission_webhook_fail_open_count "name=\"$name\""; }
# CronJobs: no controller makes objects from them here, so each create is exactly one admission call.
instrumented() { template_annotations cronjob "$1" "$2" | jq -e 'keys | any(startswith("instrumentation.opentelemetry.io/"))' >/dev/null; }
cronjob() {
  cat <<YAML
apiVersion: batch/v1
kind: CronJob
metadata: {name: $1, namespace: failure}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: web, image: node:20-slim, command: [node, server.js]}]
YAML
}
labelled_namespace failure
timeout=$(kubectl get mutatingwebhookconfiguration traceassist -o jsonpath='{.webhooks[0].timeoutSeconds}')

# --- stopped
port=$tls_port
stop_webhook
before=$(fail_open)
# kubectl's own start-up (a large binary, a loaded machine) is measured apart and taken off.
t0=$(date +%s%N)
kubectl get namespace failure >/dev/null
baseline_ms=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
cronjob while-down | kubectl apply -f - >/dev/null || fail "kubectl apply with TraceAssist stopped was refused"
took_ms=$((($(date +%s%N) - t0) / 1000000))
((took_ms - baseline_ms < timeout * 1000)) ||
  fail "kubectl apply with TraceAssist stopped took ${took_ms} ms, a plain kubectl get ${baseline_ms} ms (timeout ${timeout} s)"
instrumented while-down failure && fail "while-down was instrumented with TraceAssist stopped"
after=$(fail_open)
# At least this one (a controller's update in another labelled namespace may add its own).
((after >= before + 1)) || fail "fail_open_count for $name went $before -> $after (want +1)"
ok "TraceAssist stopped: kubectl apply accepted in ${took_ms} ms (a plain kubectl get: ${baseline_ms} ms; timeout ${timeout} s), uninstrumented, fail_open_count $before -> $after"

# --- back on the same port
start_webhook "$port"
cronjob when-back | kubectl apply -f - >/dev/null
instrumented when-back failure || fail "when-back was not instrumented after TraceAssist came back"
kubectl label cronjob while-down -n failure reapplied=yes >/dev/null  # any UPDATE goes through the webhook
instrumented while-down failure || fail "re-applying while-down did not instrument it"
ok "TraceAssist back: a new object and an update of the one created while it was down are instrumented"

# --- rotation under continuous creates
fail_before=$(fail_open)
(
  i=0
  while [[ ! -f $work/stop-creating ]]; do
    cronjob "rot-$i" | kubectl create -f - >/dev/null 2>>"$work/create.err" || echo "create rot-$i failed" >>"$work/create.err"
    i=$((i + 1))
  done
  echo "$i" >"$work/created"
) &
creator=$!
on_exit "touch $work/stop-creating; kill $creator"
rotation_objects() { kubectl get cronjobs -n failure -o name | grep -c rot- || true; }
at_least() { [[ $(rotation_objects) -ge $1 ]]; }
wait_for 120 "5 objects created before the rotation" at_least 5
publish "$work/certs2"
wait_for 30 "traceassist serve reloads the certificate" grep -q '"TLS certificate reloaded"' "$work/server.log"
reloaded_at=$(rotation_objects)
wait_for 120 "5 objects created after the reload" at_least $((reloaded_at + 5))
touch "$work/stop-creating"
wait "$creator"
[[ ! -s $work/create.err ]] || fail "creates failed during the rotation: $(head -3 "$work/create.err")"
# New connections present the new certificate.
echo | openssl s_client -connect "127.0.0.1:$tls_port" -servername localhost 2>/dev/null | openssl x509 -noout -fingerprint -sha256 >"$work/served.fp"
openssl x509 -in "$work/certs2/tls.crt" -noout -fingerprint -sha256 | cmp -s - "$work/served.fp" || fail "the new certificate is not served"
created=$(cat "$work/created")
uninstrumented=$(kubectl get cronjobs -n failure -o json | jq -r '.items[] | select(.metadata.name | startswith("rot-")) |
  select((.spec.jobTemplate.spec.template.metadata.annotations // {}) | keys | any(startswith("instrumentation.opentelemetry.io/")) | not) | .metadata.name')
[[ -z $uninstrumented ]] || fail "created during the rotation but not instrumented: $uninstrumented"
fail_after=$(fail_open)
((fail_after == fail_before)) || fail "fail_open_count for $name moved during the rotation: $fail_before -> $fail_after"
ok "rotation under continuous creates: $created objects (after the reload: $((created - reloaded_at))), all instrumented, fail_open_count stays $fail_after"
echo "cluster failure: all checks passed"
