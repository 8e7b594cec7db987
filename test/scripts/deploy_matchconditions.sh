#!/usr/bin/env bash
# The webhook configurations' matchConditions, evaluated with the CEL library Kubernetes 1.36's API server
# uses (test/matchconditions: cel-go pinned to k8s.io/apiserver v0.36's version) on objects a controller
# owns and on others, as rendered: k8s/ (kubectl kustomize) and the chart in workloads mode keep owned
# ReplicaSets, Jobs and Pods from being sent and send the rest; the chart in pods mode sends owned Pods;
# webhook.matchConditions=false renders none. The checker itself must reject the wrong expectations.
set -euo pipefail
source "$(dirname "$0")/../deploy/setup.sh"
deploy_cluster_tools
GO=/usr/local/go/bin/go
[[ -x "$GO" ]] || { echo "FAIL: $GO missing: the matchConditions check needs Go 1.26 (not Debian's golang-go)"; exit 1; }
case "$("$GO" env GOVERSION)" in
  go1.2[6-9]*|go1.[3-9]*) ;;
  *) echo "FAIL: $GO is $("$GO" env GOVERSION); test/matchconditions needs Go 1.26 or later"; exit 1 ;;
esac
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
module="$SOURCE_DIR/test/matchconditions"
(cd "$module" && GO111MODULE=on GOFLAGS=-mod=readonly GOTOOLCHAIN=local "$GO" build -o "$tmp/matchconditions" .) ||
  { echo "FAIL: building test/matchconditions (is the Go module proxy reachable?)"; exit 1; }

chart="$SOURCE_DIR/helm/traceassist"
cases="$DEPLOY_DIR/cases"
kubectl kustomize "$SOURCE_DIR/k8s" > "$tmp/k8s.yaml"
helm template traceassist "$chart" -n traceassist > "$tmp/chart.yaml"
helm template prod "$chart" -f "$cases/full.yaml" -n observability > "$tmp/chart-full.yaml"
helm template traceassist "$chart" -f "$cases/pods.yaml" -n traceassist > "$tmp/chart-pods.yaml"
helm template traceassist "$chart" -f "$cases/no-match-conditions.yaml" -n traceassist \
  --kube-version v1.29.0 > "$tmp/chart-off.yaml"

mc="$tmp/matchconditions"
"$mc" -want excluded "$tmp/k8s.yaml" "$tmp/chart.yaml" "$tmp/chart-full.yaml"
"$mc" -want sent "$tmp/chart-pods.yaml"
"$mc" -want none "$tmp/chart-off.yaml"

# The checker can fail: each render against the other expectation.
expect_fail() {
  if "$mc" "$@" > "$tmp/out" 2>&1; then echo "FAIL: matchconditions $* passed"; exit 1; fi
  grep -q "^FAIL: " "$tmp/out" || { echo "FAIL: matchconditions $*: $(cat "$tmp/out")"; exit 1; }
  echo "ok refused: $* ($(grep -c '^FAIL: ' "$tmp/out") failure(s))"
}
expect_fail -want sent "$tmp/k8s.yaml"
expect_fail -want excluded "$tmp/chart-pods.yaml"
expect_fail -want none "$tmp/chart.yaml"
# An expression that reads controller without has() errors on owner references without it.
sed 's/has(r.controller) && r.controller/r.controller/' "$tmp/k8s.yaml" > "$tmp/k8s-unguarded.yaml"
expect_fail -want excluded "$tmp/k8s-unguarded.yaml"
echo "deploy_matchconditions: all checks passed"
