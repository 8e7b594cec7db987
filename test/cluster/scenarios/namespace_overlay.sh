#!/usr/bin/env bash
# The namespace overlay on the real API server (issue 17, item 2): `kubectl apply -k examples/other-namespace`
# as shipped (namespace: observability, no test patch at all): every object, the Certificate's DNS names,
# the CA-injection annotation, the webhook's Service reference and its namespace exclusion name
# `observability`. The API server then calls the webhook by its Service: it runs with
# --enable-aggregator-routing, so it resolves Service traceassist/observability to an EndpointSlice
# endpoint, here a `traceassist serve` in a network namespace this test creates (a veth pair with a /30
# of 198.18.0.0/15, a benchmarking range; the server listens only inside that namespace), and verifies
# its certificate for ServerName traceassist.observability.svc. cert-manager does not run here:
# `traceassist certs --secret` (certgen mode's command) makes the Secret and puts the CA in the caBundle,
# as cert-manager's issuer and CA injector would.
source "$(dirname "$0")/lib.sh"
ns=observability
overlay=$src/examples/other-namespace
[[ $(id -u) == 0 ]] && command -v ip >/dev/null || fail "needs root and iproute2 (ip netns, veth) for the endpoint's network namespace"

# --- the overlay as shipped
kubectl kustomize "$overlay" | "$harness" yaml2json >"$work/overlay.json"
[[ $(jq '[.[] | select(.kind != "Namespace" and .kind != "MutatingWebhookConfiguration" and .metadata.namespace != "observability")] | length' "$work/overlay.json") == 0 ]] ||
  fail "objects outside $ns: $(jq -c '[.[] | select(.metadata.namespace != "observability") | .kind]' "$work/overlay.json")"
jq -e '[.[] | .. | strings | select(test("traceassist\\.traceassist\\.svc|^traceassist/traceassist-webhook$"))] | length == 0' "$work/overlay.json" >/dev/null ||
  fail "the overlay still names the traceassist namespace: $(jq -c '[.[] | .. | strings | select(test("traceassist\\.traceassist\\.svc|^traceassist/traceassist-webhook$"))]' "$work/overlay.json")"
# install_paths uses the namespace too and deletes it without waiting.
gone() { ! kubectl get namespace $ns >/dev/null 2>&1; }
wait_for 120 "namespace $ns of an earlier scenario is deleted" gone
kubectl apply -k "$overlay" >"$work/apply.out" 2>&1 || { cat "$work/apply.out"; fail "kubectl apply -k examples/other-namespace"; }
on_exit "kubectl delete -k $overlay --ignore-not-found --wait=false"
cert=$(kubectl get certificate traceassist-webhook -n $ns -o json)
[[ $(jq -r '[.spec.commonName] + .spec.dnsNames | join(" ")' <<<"$cert") == "traceassist.$ns.svc traceassist.$ns.svc traceassist.$ns.svc.cluster.local" ]] ||
  fail "stored Certificate names: $(jq -c '[.spec.commonName, .spec.dnsNames]' <<<"$cert")"
kubectl get mutatingwebhookconfiguration traceassist -o json >"$work/mwc.json"
jq -e --arg ns $ns '.metadata.annotations["cert-manager.io/inject-ca-from"] == "\($ns)/traceassist-webhook"
  and .webhooks[0].clientConfig.service.namespace == $ns and .webhooks[0].clientConfig.service.name == "traceassist"
  and (.webhooks[0].namespaceSelector.matchExpressions[] | select(.key == "kubernetes.io/metadata.name") | .values == ["kube-system", $ns])' \
  "$work/mwc.json" >/dev/null || fail "stored webhook configuration: $(jq -c '.metadata.annotations, .webhooks[0].clientConfig, .webhooks[0].namespaceSelector' "$work/mwc.json")"
ok "kubectl apply -k examples/other-namespace: $(jq length "$work/overlay.json") objects; Certificate, CA injection, Service reference and exclusion name $ns"

# --- the certificate cert-manager would issue, and the CA its injector would write
api=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --raw --minify -o jsonpath='{.users[0].user.token}' >"$work/admin-token"
"$bin" certs --service traceassist --namespace $ns --secret traceassist-webhook-tls --webhook-configuration traceassist \
  --kube-api "$api" --kube-token-file "$work/admin-token" --kube-ca-file "$state/ca.crt" >"$work/certgen.out" 2>&1 ||
  { cat "$work/certgen.out"; fail "traceassist certs --secret"; }
mkdir -p "$work/obs"
for f in ca.crt tls.crt tls.key; do kubectl get secret traceassist-webhook-tls -n $ns -o jsonpath="{.data.${f//./\\.}}" | base64 -d >"$work/obs/$f"; done

# --- TraceAssist on an address in a network namespace, as the Service's only endpoint. A /30 of
# 198.18.0.0/15 picked from the PID: another worktree's run at the same time gets another one.
netns=ta-overlay-$$
host_if=taov$$h
slot=$(($$ % 16384))
host_ip=198.18.$((slot / 64)).$((slot % 64 * 4 + 1))
ep_ip=198.18.$((slot / 64)).$((slot % 64 * 4 + 2))
[[ $(ip -o addr show to "$host_ip/30") == "" ]] || fail "$host_ip/30 is already in use here"
ip netns add $netns
on_exit "ip netns del $netns"
ip link add $host_if type veth peer name taov$$n
on_exit "ip link del $host_if"
ip link set taov$$n netns $netns
ip addr add $host_ip/30 dev $host_if && ip link set $host_if up
ip netns exec $netns ip addr add $ep_ip/30 dev taov$$n
ip netns exec $netns ip link set taov$$n up
ip netns exec $netns ip link set lo up
# Traffic to the endpoint stays on this machine: the route goes through the veth, nowhere else.
[[ $(ip -o route get $ep_ip) == *" dev $host_if "* ]] || fail "$ep_ip is not routed through $host_if: $(ip -o route get $ep_ip)"
TRACEASSIST_TLS_CERT=$work/obs/tls.crt TRACEASSIST_TLS_KEY=$work/obs/tls.key \
  ip netns exec $netns "$bin" serve --bind $ep_ip --port 8000 --tls-port 8443 >"$work/server.log" 2>&1 &
server_pid=$!
https_obs() {  # https_obs PATH [CURL ARGS...]: TLS to the endpoint with ServerName traceassist.observability.svc
  local path=$1; shift
  curl -sf --max-time 5 --resolve traceassist.$ns.svc:8443:$ep_ip --cacert "$work/obs/ca.crt" "$@" "https://traceassist.$ns.svc:8443$path"
}
wait_for 30 "traceassist serve answers in the network namespace" https_obs /ready
cat >"$work/review.json" <<<'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"overlay-1","kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},"namespace":"shop","operation":"CREATE","userInfo":{"username":"t"},"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"eclipse-temurin:21-jre"}]}}}}}}'
https_obs /mutate -H 'Content-Type: application/json' --data @"$work/review.json" | jq -e '.response.uid == "overlay-1" and .response.allowed and (.response.patch | length > 0)' >/dev/null ||
  fail "an admission over TLS with ServerName traceassist.$ns.svc was not answered with a patch"
ok "a TLS admission with ServerName traceassist.$ns.svc (the Secret's certificate, its CA) is answered with a patch"

kubectl apply -f - >/dev/null <<YAML
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: traceassist-netns
  namespace: $ns
  labels:
    kubernetes.io/service-name: traceassist
addressType: IPv4
endpoints:
  - addresses: ["$ep_ip"]
    conditions: {ready: true}
ports:
  - name: https
    port: 8443
    protocol: TCP
YAML
labelled_namespace overlay-apps
wait_for 30 "the API server calls the webhook through Service traceassist/$ns" webhook_answers overlay-apps
api_reviews() { [[ $(grep '"msg":"request"' "$work/server.log" | grep "\"remote\":\"$host_ip\"" | grep '"uid"' | grep -vc overlay-1) -gt 0 ]]; }
wait_for 10 "the server in the network namespace logs the API server's admission review" api_reviews
kubectl label namespace $ns traceassist.io/instrumentation=enabled --overwrite >/dev/null
kubectl create deployment own -n $ns --image=node:20-slim --dry-run=server -o json 2>/dev/null |
  jq -e '.spec.template.metadata.annotations // {} | keys | any(startswith("instrumentation.opentelemetry.io/")) | not' >/dev/null ||
  fail "a Deployment in $ns itself was instrumented: the exclusion does not name $ns"
ok "the API server calls the webhook by Service traceassist/$ns (EndpointSlice $ep_ip:8443, ServerName traceassist.$ns.svc); $ns itself is excluded"
echo "cluster namespace_overlay: all checks passed"
