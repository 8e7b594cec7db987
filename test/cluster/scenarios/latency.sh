#!/usr/bin/env bash
# Scenario 5, latency as the API server sees it: 1,000 Deployment creates through client-go, one at a
# time (CLUSTER_LATENCY_CREATES overrides). Prints the increase of each bucket of the API server's
# apiserver_admission_webhook_admission_duration_seconds for our webhook (CREATE) beside TraceAssist's
# own handler time (traceassist_admission_duration_seconds); asserts that every create was one call of
# our webhook and is stored instrumented. The buckets are coarse (5 ms, 25 ms, 100 ms, ...): counts are
# reported, never an interpolated percentile. A copy of the table goes to STATE_DIR/latency.md.
source "$(dirname "$0")/lib.sh"
n=${CLUSTER_LATENCY_CREATES:-1000}
start_webhook
register_webhook
labelled_namespace latency
name=workloads.traceassist.io

# buckets: "le count" lines of the API server's histogram for our webhook's CREATE calls.
buckets() {
  kubectl get --raw /metrics | grep '^apiserver_admission_webhook_admission_duration_seconds_bucket{' |
    grep "name=\"$name\"" | grep 'operation="CREATE"' | grep 'type="admit"' |
    sed -E 's/.*le="([^"]+)".* ([0-9.e+]+)$/\1 \2/' | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
ours() {  # traceassist_admission_duration_seconds: "le count" lines, then "sum S" and "count N"
  curl -sf --cacert "$work/certs/ca.crt" "https://localhost:$tls_port/metrics" |
    awk '/^traceassist_admission_duration_seconds_bucket/ { match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5); a[le] += $NF }
         /^traceassist_admission_duration_seconds_sum/ { s += $NF } /^traceassist_admission_duration_seconds_count/ { c += $NF }
         END { for (k in a) print k, a[k]; print "sum", s; print "count", c }' | sort
}
buckets >"$work/api.before"
ours >"$work/ours.before"
"$harness" create-load --namespace latency --count "$n" --prefix load | tee "$work/load.out"
buckets >"$work/api.after"
ours >"$work/ours.after"

delta() { join -a2 -e 0 -o 0,1.2,2.2 "$1" "$2" | awk '{printf "%s %d\n", $1, $3 - $2}' | sort -g; }  # inputs sorted with sort
delta "$work/api.before" "$work/api.after" >"$work/api.delta"
calls=$(awk '$1 == "+Inf" {print $2}' "$work/api.delta")
[[ $calls == "$n" ]] || { cat "$work/api.delta"; fail "the API server timed $calls calls of $name for $n creates"; }
uninstrumented=$(kubectl get deployments -n latency -o json | jq '[.items[] | select(.metadata.name | startswith("load-")) |
  select((.spec.template.metadata.annotations // {}) | keys | any(startswith("instrumentation.opentelemetry.io/")) | not)] | length')
stored=$(kubectl get deployments -n latency -o name | grep -c load- || true)
[[ $stored == "$n" && $uninstrumented == 0 ]] || fail "$stored of $n stored, $uninstrumented uninstrumented"
own_count=$(( $(awk '$1 == "count" {print $2}' "$work/ours.after") - $(awk '$1 == "count" {print $2}' "$work/ours.before" 2>/dev/null || echo 0) ))
own_sum=$(awk -v a="$(awk '$1 == "sum" {print $2}' "$work/ours.after")" -v b="$(awk '$1 == "sum" {print $2}' "$work/ours.before")" 'BEGIN {printf "%.6f", a - b}')
((own_count >= n)) || fail "TraceAssist counted $own_count admissions for $n creates"

{
  echo "$n creates through client-go, one at a time; $(cut -d' ' -f1-3 /proc/loadavg) load; $(date -u +%Y-%m-%d)"
  echo
  echo "| le (s) | API server: calls of $name (CREATE) in the bucket, cumulative |"
  echo "|---|---|"
  awk '{printf "| %s | %d |\n", $1, $2}' "$work/api.delta"
  echo
  echo "TraceAssist's own handler time (traceassist_admission_duration_seconds): $own_count reviews, mean $(awk -v s="$own_sum" -v c="$own_count" 'BEGIN {printf "%.3f", 1000 * s / c}') ms"
  echo
  echo "| le (s) | TraceAssist handler: reviews in the bucket, cumulative |"
  echo "|---|---|"
  delta <(grep -v -e '^sum' -e '^count' "$work/ours.before") <(grep -v -e '^sum' -e '^count' "$work/ours.after") |
    awk '{printf "| %s | %d |\n", $1, $2}'
  echo
  sed 's/^create-load: /client: /' "$work/load.out"
} | tee "$state/latency.md"
echo "cluster latency: all checks passed"
