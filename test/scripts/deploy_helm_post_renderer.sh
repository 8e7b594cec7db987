#!/usr/bin/env bash
# README "In pipelines": the real Helm 3 (test/cluster) runs traceassist as a post-renderer with the
# README's flags (`--post-renderer traceassist --post-renderer-args instrument`, the binary found on
# PATH), here under `helm template` since `helm install` needs a cluster: the rendered Deployment
# comes out instrumented and the rest of the chart untouched. Helm 4's plugin is not tested (no Helm 4).
set -euo pipefail
TA="$(realpath "${1:?usage: $0 <path-to-traceassist-binary>}")"
source "$(dirname "$0")/../deploy/setup.sh"
deploy_cluster_tools
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/chart/templates"
ln -s "$TA" "$tmp/bin/traceassist"
cat > "$tmp/chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: shop
version: 0.1.0
YAML
cat > "$tmp/chart/templates/cart.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-cart
spec:
  selector:
    matchLabels: {app: cart}
  template:
    metadata:
      labels: {app: cart}
    spec:
      containers:
        - name: cart
          image: eclipse-temurin:21-jre
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-cart
spec:
  selector: {app: cart}
  ports: [{port: 80}]
YAML
failures=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; failures=$((failures + 1)); fi; }

PATH="$tmp/bin:$PATH" helm template shop "$tmp/chart" \
  --post-renderer traceassist --post-renderer-args instrument >"$tmp/out.yaml" 2>"$tmp/err" ||
  { echo "FAIL: helm template with the post-renderer: $(head -c 600 "$tmp/err")"; exit 1; }
helm template shop "$tmp/chart" >"$tmp/plain.yaml"
check "grep -Eq \"instrumentation.opentelemetry.io/inject-java: 'true'\" '$tmp/out.yaml'" \
  "the Deployment Helm renders comes out instrumented"
check "grep -Eq \"traceassist.io/managed: 'inject-java,container-names,digests=\" '$tmp/out.yaml'" \
  "with its ownership marker"
check "[[ \$(grep -c 'instrumentation.opentelemetry.io/' '$tmp/out.yaml') == 2 ]]" \
  "only the Deployment gains annotations"
check "\"\$CLUSTER_HARNESS\" yaml2json < '$tmp/out.yaml' | jq -e 'map(.kind) == [\"Service\", \"Deployment\"]' >/dev/null" \
  "every rendered object is still there (Helm orders Services first)"
check "diff <(grep -v -e 'opentelemetry.io/' -e 'traceassist.io/' -e '^      annotations:' '$tmp/out.yaml') '$tmp/plain.yaml' >/dev/null" \
  "nothing else changes"
[[ $failures == 0 ]] && echo "all checks passed" || { echo "$failures check(s) failed"; exit 1; }
