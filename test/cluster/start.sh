#!/usr/bin/env bash
# Starts the test cluster in the background: start.sh TOOLS_DIR STATE_DIR. TOOLS_DIR is build.sh's
# output. Returns once the API server answers, the controllers run and the CRDs are established;
# then STATE_DIR/kubeconfig points kubectl at it. stop.sh STATE_DIR stops it.
set -euo pipefail
tools=${1:?usage: start.sh TOOLS_DIR STATE_DIR}
state=${2:?usage: start.sh TOOLS_DIR STATE_DIR}
if [[ ! -x $tools/bin/harness || ! -x $tools/bin/helm ]]; then
  echo "FAILED: $tools/bin/harness or helm missing: run test/cluster/build.sh $tools first (scripts/test.sh does)" >&2
  exit 1
fi
"$(dirname "$0")/stop.sh" "$state" 2>/dev/null || true
rm -rf "$state" && mkdir -p "$state"
setsid "$tools/bin/harness" up --dir "$state" --crds "$tools/crds" > "$state/up.log" 2>&1 < /dev/null &
echo $! > "$state/up.pid"
for _ in $(seq 1 1200); do
  [[ -f $state/ready ]] && { echo "cluster: ready ($(cat "$state/ready")); KUBECONFIG=$state/kubeconfig"; exit 0; }
  if ! kill -0 "$(cat "$state/up.pid")" 2>/dev/null; then
    echo "FAILED: the cluster did not start:" >&2
    tail -n 30 "$state/up.log" >&2
    for log in "$state"/*.log; do echo "--- $log" >&2; tail -n 15 "$log" >&2; done
    exit 1
  fi
  sleep 0.25
done
echo "FAILED: the cluster was not ready after 300 s" >&2
tail -n 30 "$state"/*.log >&2
exit 1
