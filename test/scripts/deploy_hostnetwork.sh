#!/usr/bin/env bash
# The chart's hostNetwork mode (issue 17, item 1), rendered by the real Helm and then run as rendered:
#  - the render (test/deploy/cases/host-network.yaml) passes the deployment checks with --host-network:
#    hostNetwork with dnsPolicy ClusterFirstWithHostNet, TRACEASSIST_HTTP_BIND=127.0.0.1, no http container
#    or Service port, HTTPS probes, the ServiceMonitor and the helm test over HTTPS; with the Ingress on it
#    refuses to render;
#  - `traceassist serve` started with the container's rendered environment and ports, inside a network
#    namespace this test creates (loopback plus a veth pair holding a "node address", 10.99.0.1, both ends
#    in the namespace: nothing is reachable from outside it), listens on a non-loopback address with the TLS
#    port only (`ss -ltn`); the kubelet's probes as rendered (HTTPS on the node address) answer 200, the
#    plain-HTTP port refuses connections on the node address and serves /metrics on 127.0.0.1.
set -euo pipefail
bin=${1:?usage: deploy_hostnetwork.sh <traceassist binary>}
source "$(dirname "$0")/../deploy/setup.sh"
command -v curl >/dev/null || skip "curl is not installed"
command -v ss >/dev/null || skip "ss is not installed (Debian package iproute2)"
unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n needs root or CAP_SYS_ADMIN)"
deploy_npm
deploy_cluster_tools
chart="$SOURCE_DIR/helm/traceassist"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

helm template traceassist "$chart" -n traceassist -f "$DEPLOY_DIR/cases/host-network.yaml" > "$tmp/render.yaml"
node "$DEPLOY_DIR/check.mjs" manifests "$tmp/render.yaml" --label "chart host-network" --host-network \
  --service-ports 443:8443
if helm template traceassist "$chart" --set hostNetwork=true --set ingress.enabled=true > /dev/null 2> "$tmp/err"; then
  fail "hostNetwork with the Ingress rendered"
fi
grep -q "ingress needs the plain-HTTP listener" "$tmp/err" || fail "hostNetwork + ingress: unexpected error: $(cat "$tmp/err")"
echo "ok render refused: hostNetwork with the Ingress"

# The container as rendered: its literal environment, its port and the probes' port and scheme.
"$CLUSTER_HARNESS" yaml2json < "$tmp/render.yaml" |
  jq '.[] | select(.kind == "Deployment") | .spec.template.spec.containers[0]' > "$tmp/container.json"
jq -r '.env[] | select(has("value")) | "\(.name)=\(.value)"' "$tmp/container.json" > "$tmp/env"
tls_port=$(jq -r '.ports[] | select(.name == "https") | .containerPort' "$tmp/container.json")
http_port=$(sed -n 's/^TRACEASSIST_PORT=//p' "$tmp/env")
for p in livenessProbe readinessProbe; do
  jq -e --arg p "$p" '.[$p].httpGet | .port == "https" and .scheme == "HTTPS"' "$tmp/container.json" > /dev/null ||
    fail "$p is not an HTTPS probe on the https port"
done
"$bin" certs --service traceassist --namespace traceassist --out "$tmp/certs" > /dev/null 2>&1 || fail "traceassist certs"
# The Secret volume's paths become this test's files; every other variable is as rendered.
sed -i -e "s|^TRACEASSIST_TLS_CERT=.*|TRACEASSIST_TLS_CERT=$tmp/certs/tls.crt|" \
  -e "s|^TRACEASSIST_TLS_KEY=.*|TRACEASSIST_TLS_KEY=$tmp/certs/tls.key|" "$tmp/env"
echo "rendered: $(grep -E '^TRACEASSIST_(PORT|TLS_PORT|HTTP_BIND|BIND)=' "$tmp/env" | tr '\n' ' ')"

cat > "$tmp/in-netns.sh" <<'NETNS'
set -euo pipefail
tmp=$1 bin=$2 http_port=$3 tls_port=$4
ip link set lo up
ip link add ta-node type veth peer name ta-peer
ip addr add 10.99.0.1/24 dev ta-node
ip link set ta-node up && ip link set ta-peer up
mapfile -t rendered < "$tmp/env"
env -i PATH="$PATH" "${rendered[@]}" "$bin" serve > "$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 200); do grep -q '"msg":"listening"' "$tmp/server.log" && break; kill -0 $pid || break; sleep 0.05; done
grep '"msg":"listening"' "$tmp/server.log" || { cat "$tmp/server.log"; exit 1; }
ss -ltnH > "$tmp/ss.txt"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
echo "health=$(code -k "https://10.99.0.1:$tls_port/health")" > "$tmp/probes.txt"
echo "ready=$(code -k "https://10.99.0.1:$tls_port/ready")" >> "$tmp/probes.txt"
echo "node_http=$(code "http://10.99.0.1:$http_port/health")" >> "$tmp/probes.txt"
echo "loopback_metrics=$(code "http://127.0.0.1:$http_port/metrics")" >> "$tmp/probes.txt"
NETNS
unshare -n bash "$tmp/in-netns.sh" "$tmp" "$bin" "$http_port" "$tls_port" || fail "serving in the network namespace failed"
echo "ss -ltn in the pod's network namespace:"
awk '{print "  " $4}' "$tmp/ss.txt"
# Local address is the 4th column of ss -ltnH; the address is everything before the last ':'.
while read -r _ _ _ local _; do
  addr=${local%:*} port=${local##*:}
  case "$addr" in 127.* | "[::1]") continue ;; esac
  [[ $port == "$tls_port" ]] || fail "$local listens on a non-loopback address and is not the TLS port $tls_port"
done < "$tmp/ss.txt"
grep -qE "(0\.0\.0\.0|\*):$tls_port\b" "$tmp/ss.txt" || fail "the TLS port $tls_port does not listen on the node's addresses"
grep -qE "127\.0\.0\.1:$http_port\b" "$tmp/ss.txt" || fail "the plain-HTTP port $http_port does not listen on 127.0.0.1"
cat "$tmp/probes.txt"
grep -qx "health=200" "$tmp/probes.txt" || fail "liveness probe (HTTPS on the node address) did not answer 200"
grep -qx "ready=200" "$tmp/probes.txt" || fail "readiness probe (HTTPS on the node address) did not answer 200"
grep -qx "node_http=000" "$tmp/probes.txt" || fail "the plain-HTTP port answered on the node address"
grep -qx "loopback_metrics=200" "$tmp/probes.txt" || fail "/metrics on 127.0.0.1 did not answer 200"
echo "ok hostNetwork: only TLS port $tls_port listens on a non-loopback address; HTTP $http_port on 127.0.0.1 only"
echo "deploy_hostnetwork: all checks passed"
