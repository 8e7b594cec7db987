# Sourced by the cluster scenarios: scenario.sh TRACEASSIST_BINARY TOOLS_DIR STATE_DIR.
# The cluster (start.sh) is already running; each scenario starts its own `traceassist serve` on
# 127.0.0.1 with a certificate from `traceassist certs` (valid for localhost) and registers the webhook
# by clientConfig.url = https://localhost:PORT/mutate, since this cluster has no Service network.
set -euo pipefail
bin=${1:?usage: SCENARIO.sh TRACEASSIST_BINARY TOOLS_DIR STATE_DIR}
tools=${2:?usage: SCENARIO.sh TRACEASSIST_BINARY TOOLS_DIR STATE_DIR}
state=${3:?usage: SCENARIO.sh TRACEASSIST_BINARY TOOLS_DIR STATE_DIR}
src=${TRACEASSIST_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
export KUBECONFIG=$state/kubeconfig
export PATH=$tools/bin:$PATH
harness=$tools/bin/harness
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok $*"; }
[[ -f $state/ready ]] || fail "the test cluster is not running ($state/ready missing): start.sh failed?"
[[ $(command -v kubectl) == "$tools/bin/kubectl" ]] || fail "kubectl is not the harness's"
[[ $(command -v helm) == "$tools/bin/helm" ]] || fail "helm is not the harness's"

work=$(mktemp -d)
server_pid=
stop_webhook() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
cleanups=()
cleanup() {
  local rc=$?
  set +e
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" >/dev/null 2>&1; done
  stop_webhook
  if [[ $rc != 0 && -f $work/server.log ]]; then echo "--- traceassist serve log (last 20 lines)"; tail -n 20 "$work/server.log"; fi
  rm -rf "$work"
}
trap cleanup EXIT
on_exit() { cleanups+=("$*"); }

# Certificates: $work/certs/{ca.crt,tls.crt,tls.key}; served from a kubelet-style Secret volume
# ($work/secret, ..data symlink) so that a rotation is one atomic rename.
"$bin" certs --service traceassist --namespace traceassist --out "$work/certs" >/dev/null 2>&1 || fail "traceassist certs"
vol=$work/secret
mkdir -p "$vol"
publish() {  # publish DIR_WITH_TLS_CRT_AND_KEY
  local version=..$(basename "$1")-$RANDOM
  cp -r "$1" "$vol/$version"
  ln -s "$version" "$vol/..data_tmp"
  mv -T "$vol/..data_tmp" "$vol/..data"
  [[ -L $vol/tls.crt ]] || ln -s ..data/tls.crt "$vol/tls.crt"
  [[ -L $vol/tls.key ]] || ln -s ..data/tls.key "$vol/tls.key"
}
publish "$work/certs"
ca_bundle=$(base64 -w0 "$work/certs/ca.crt")

# start_webhook [PORT]: traceassist serve with TLS on 127.0.0.1 (PORT, or a free one); sets tls_port.
tls_port=
start_webhook() {
  local want=${1:-0} skip
  skip=0; [[ -f $work/server.log ]] && skip=$(wc -l <"$work/server.log")
  TRACEASSIST_TLS_CERT="$vol/tls.crt" TRACEASSIST_TLS_KEY="$vol/tls.key" TRACEASSIST_LOG_LEVEL=info \
    "$bin" serve --bind 127.0.0.1 --port 0 --tls-port "$want" >>"$work/server.log" 2>&1 &
  server_pid=$!
  local port=
  for _ in $(seq 1 200); do
    port=$(tail -n +$((skip + 1)) "$work/server.log" | grep '"msg":"listening"' | grep -o '"tls_port":[0-9]*' | cut -d: -f2 || true)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $port && $port != -1 ]] || { cat "$work/server.log" >&2; fail "traceassist serve did not report its TLS port"; }
  [[ $want == 0 || $port == "$want" ]] || fail "traceassist serve listens on $port, not $want"
  tls_port=$port
  local tries=0
  until curl -sf --cacert "$work/certs/ca.crt" "https://localhost:$tls_port/ready" >/dev/null; do
    ((++tries < 50)) || fail "traceassist serve not ready on https://localhost:$tls_port"
    sleep 0.1
  done
}
webhook_url() { echo "https://localhost:$tls_port/mutate"; }

# The test-only kustomize overlay: k8s/ as shipped, with clientConfig.service replaced by the url of
# the running webhook and the CA that `traceassist certs` made (cert-manager's injector does not run).
render_k8s_overlay() {  # render_k8s_overlay OUT_DIR
  local dir=$1
  mkdir -p "$dir"
  cat >"$dir/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$(realpath --relative-to="$dir" "$src/k8s")]
patches:
  - target: {group: admissionregistration.k8s.io, kind: MutatingWebhookConfiguration, name: traceassist}
    patch: |-
      - op: remove
        path: /webhooks/0/clientConfig/service
      - op: add
        path: /webhooks/0/clientConfig/url
        value: $(webhook_url)
      - op: add
        path: /webhooks/0/clientConfig/caBundle
        value: $ca_bundle
YAML
}

# metric NAME SELECTOR: the sum of the API server's samples of NAME whose labels contain SELECTOR.
metric() {
  kubectl get --raw /metrics | awk -v name="$1" -v sel="$2" '
    index($0, name) == 1 && substr($0, length(name) + 1, 1) ~ /[{ ]/ && index($0, sel) { sum += $NF }
    END { printf "%d\n", sum }'
}

# template_annotations KIND NAME NS: the pod template's annotations as sorted JSON ({} when none).
template_annotations() {
  kubectl get "$1" "$2" -n "$3" -o json |
    jq -S 'if .kind == "CronJob" then .spec.jobTemplate.spec.template.metadata.annotations // {}
           else .spec.template.metadata.annotations // {} end'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for: $what"
    sleep 0.5
  done
}

# A namespace sent to the webhook; deleted at exit.
labelled_namespace() {
  kubectl create namespace "$1" >/dev/null
  kubectl label namespace "$1" traceassist.io/instrumentation=enabled >/dev/null
  on_exit "kubectl delete namespace $1 --wait=false"
}

# register_webhook: only the MutatingWebhookConfiguration of the overlay (k8s/ + url patch), then
# waits until the API server calls it (its configuration informer takes a moment).
register_webhook() {
  render_k8s_overlay "$work/overlay"
  kubectl kustomize "$work/overlay" | "$harness" yaml2json |
    jq '.[] | select(.kind == "MutatingWebhookConfiguration")' >"$work/webhook.json"
  [[ $(jq -r '.webhooks[0].clientConfig.url' "$work/webhook.json") == "$(webhook_url)" ]] ||
    fail "the overlay did not set clientConfig.url"
  kubectl apply -f "$work/webhook.json" >/dev/null
  on_exit "kubectl delete mutatingwebhookconfiguration traceassist --ignore-not-found"
  kubectl get namespace webhook-probe >/dev/null 2>&1 || {
    kubectl create namespace webhook-probe >/dev/null
    kubectl label namespace webhook-probe traceassist.io/instrumentation=enabled >/dev/null
  }
  wait_for 30 "the API server calls the webhook" webhook_answers webhook-probe
}
# webhook_answers NS: a server-side dry-run create in NS comes back instrumented.
webhook_answers() {
  kubectl create deployment probe --image=node:20-slim -n "$1" --dry-run=server -o json 2>/dev/null |
    jq -e '.spec.template.metadata.annotations // {} | keys | any(startswith("instrumentation.opentelemetry.io/"))'
}
