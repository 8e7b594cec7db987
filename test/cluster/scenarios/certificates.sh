#!/usr/bin/env bash
# Certificates on the real API server (issue 17, item 3):
# - certificates.mode=certgen: the chart's hook Job command, run on the host with a token of the hook's
#   own ServiceAccount (its Role/ClusterRole as the chart renders them), creates the TLS Secret once and
#   patches the CA into the webhook configuration; a second run changes nothing; the API server then
#   calls a TraceAssist serving the Secret's certificate. A renewal adds the new CA to the caBundle before
#   the Secret changes: no fail-open while the old and then the new certificate are served.
# - the helm test pod passes a server-side dry run, and its script passes when run on the host.
# - certificates.mode=self-signed: the CA and certificate are unchanged across `helm upgrade`.
source "$(dirname "$0")/lib.sh"
chart=$src/helm/traceassist
api=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
ns=certgen
release=ta
secret=ta-traceassist-webhook-tls
config=ta-traceassist
kubectl create namespace $ns >/dev/null
on_exit "kubectl delete namespace $ns --wait=false"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# --- certgen: install without running hooks (no kubelet here), then the hook's objects and command.
helm install $release "$chart" -n $ns --no-hooks --set certificates.mode=certgen \
  --set certificates.certgen.validityDays=3 --set certificates.certgen.renewWithinDays=1 \
  --set webhook.url="https://localhost:$port/mutate" --set helmTest.enabled=true >"$work/install.out" 2>&1 ||
  { cat "$work/install.out"; fail "helm install (certgen)"; }
on_exit "helm uninstall $release -n $ns"
on_exit "kubectl delete clusterrole,clusterrolebinding ta-traceassist-certgen-$ns --ignore-not-found"
[[ -z $(kubectl get mutatingwebhookconfiguration $config -o jsonpath='{.webhooks[0].clientConfig.caBundle}') ]] ||
  fail "certgen: the chart itself rendered a caBundle"
helm get hooks $release -n $ns | "$harness" yaml2json >"$work/hooks.json"
jq '[.[] | select(.kind != "Job" and .kind != "Pod")]' "$work/hooks.json" >"$work/rbac.json"
[[ $(jq -r '[.[].kind] | sort | join(",")' "$work/rbac.json") == ClusterRole,ClusterRoleBinding,Role,RoleBinding,ServiceAccount ]] ||
  fail "certgen hook objects: $(jq -c '[.[].kind]' "$work/rbac.json")"
jq "{apiVersion: \"v1\", kind: \"List\", items: .}" "$work/rbac.json" | kubectl apply -f - >/dev/null
mapfile -t args < <(jq -r '.[] | select(.kind == "Job") | .spec.template.spec.containers[0].args[]' "$work/hooks.json")
[[ ${args[0]:-} == certs ]] || fail "the certgen Job does not run 'traceassist certs': ${args[*]}"
kubectl create token ta-traceassist-certgen -n $ns >"$work/token"
certgen() {  # certgen [ARG=VALUE replacements...]: the Job's command as the hook's ServiceAccount
  local a=("${args[@]}") r i
  for r in "$@"; do for i in "${!a[@]}"; do [[ ${a[i]} == "${r%%=*}="* ]] && a[i]=$r; done; done
  "$bin" "${a[@]}" --kube-api "$api" --kube-token-file "$work/token" --kube-ca-file "$state/ca.crt"
}
versions() { kubectl get secret/$secret mutatingwebhookconfiguration/$config -n $ns -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {end}'; }
secret_file() { kubectl get secret $secret -n $ns -o jsonpath="{.data.${1//./\\.}}" | base64 -d; }
bundle() { kubectl get mutatingwebhookconfiguration $config -o jsonpath='{.webhooks[0].clientConfig.caBundle}' | base64 -d; }

certgen >"$work/run1.out" 2>&1 || { cat "$work/run1.out"; fail "certgen: first run"; }
grep -q "^secret $ns/$secret: created$" "$work/run1.out" || { cat "$work/run1.out"; fail "certgen: the Secret was not created"; }
grep -q "^mutatingwebhookconfiguration $config: caBundle patched (1 of 1 webhooks)$" "$work/run1.out" ||
  { cat "$work/run1.out"; fail "certgen: the caBundle was not patched"; }
[[ $(kubectl get secret $secret -n $ns -o jsonpath='{.type}') == kubernetes.io/tls ]] || fail "certgen: the Secret is not kubernetes.io/tls"
secret_file ca.crt >"$work/ca1.crt"
secret_file tls.crt >"$work/tls1.crt"
secret_file tls.key >"$work/tls1.key"
bundle | cmp -s - "$work/ca1.crt" || fail "certgen: the caBundle is not the Secret's ca.crt"
openssl verify -CAfile "$work/ca1.crt" -verify_hostname ta-traceassist.$ns.svc "$work/tls1.crt" >/dev/null ||
  fail "certgen: the Secret's certificate does not verify for ta-traceassist.$ns.svc"
before=$(versions)
# The second run finds the API server as a pod does, from KUBERNETES_SERVICE_HOST/PORT.
hostport=${api#https://}
KUBERNETES_SERVICE_HOST=${hostport%:*} KUBERNETES_SERVICE_PORT=${hostport##*:} \
  "$bin" "${args[@]}" --kube-token-file "$work/token" --kube-ca-file "$state/ca.crt" >"$work/run2.out" 2>&1 ||
  { cat "$work/run2.out"; fail "certgen: second run (in-cluster address)"; }
[[ $(versions) == "$before" ]] || { cat "$work/run2.out"; fail "certgen: the second run changed the Secret or the webhook configuration"; }
grep -q "exists, kept" "$work/run2.out" && grep -q "caBundle already trusts the CA" "$work/run2.out" ||
  { cat "$work/run2.out"; fail "certgen: second run's report"; }
# Refused by RBAC: a clear error, exit 1, nothing created. A configuration not created yet (the
# pre-install run) is reported and skipped (admin token: the hook's may not even read it).
certgen --secret=other >"$work/denied.out" 2>&1 && fail "certgen: a Secret the Role does not name was accepted"
grep -q "secret $ns/other: 403" "$work/denied.out" || { cat "$work/denied.out"; fail "certgen: the refusal does not name the Secret and 403"; }
kubectl get secret other -n $ns >/dev/null 2>&1 && fail "certgen: a refused run created a Secret"
kubectl config view --raw --minify -o jsonpath='{.users[0].user.token}' >"$work/admin-token"
"$bin" "${args[@]}" --webhook-configuration=not-yet --kube-api "$api" --kube-token-file "$work/admin-token" --kube-ca-file "$state/ca.crt" >"$work/missing.out" 2>&1 ||
  { cat "$work/missing.out"; fail "certgen: a configuration not created yet failed the run"; }
grep -q "^mutatingwebhookconfiguration not-yet: not found (not created yet), skipped$" "$work/missing.out" || { cat "$work/missing.out"; fail "certgen: missing configuration report"; }
ok "certgen: the hook's command (as its ServiceAccount) created the Secret and patched the caBundle; a second run changed nothing (resourceVersions $before)"

# Least privilege: the hook's token reads no other Secret and patches no other configuration.
for what in "get secrets -n $ns" "get secret/other -n $ns" "patch mutatingwebhookconfiguration/other" "delete secret/$secret -n $ns"; do
  [[ $(kubectl auth can-i $what --token "$(cat "$work/token")" 2>/dev/null) == no ]] || fail "certgen: the hook's ServiceAccount may $what"
done
for what in "update secret/$secret -n $ns" "patch mutatingwebhookconfiguration/$config"; do
  [[ $(kubectl auth can-i $what --token "$(cat "$work/token")" 2>/dev/null) == yes ]] || fail "certgen: the hook's ServiceAccount may not $what"
done
ok "certgen: the hook's ServiceAccount may update its Secret and patch its configuration; it may not list Secrets, read another Secret, patch another configuration or delete"

# The API server trusts the patched CA: a TraceAssist serving the Secret's certificate instruments.
mkdir -p "$work/gen1" && cp "$work/ca1.crt" "$work/gen1/ca.crt" && cp "$work/tls1.crt" "$work/gen1/tls.crt" && cp "$work/tls1.key" "$work/gen1/tls.key"
cp "$work/gen1/"* "$work/certs/"   # start_webhook checks /ready with certs/ca.crt
publish "$work/gen1"
start_webhook "$port"
labelled_namespace certgen-apps
wait_for 30 "the API server calls the webhook with the certgen caBundle" webhook_answers certgen-apps
fail_open() { metric apiserver_admission_webhook_fail_open_count 'name="workloads.traceassist.io"'; }
open_before=$(fail_open)
ok "certgen: the API server calls the webhook serving the Secret's certificate"

# --- the helm test pod: a server-side dry run, and its script on the host against this server.
jq '.[] | select(.kind == "Pod")' "$work/hooks.json" >"$work/test-pod.json"
kubectl apply --dry-run=server -f "$work/test-pod.json" -o json >"$work/test-pod-dry.json" 2>"$work/test-pod.err" ||
  { cat "$work/test-pod.err"; fail "helm test pod refused in a server dry run"; }
[[ $(jq -r .metadata.namespace "$work/test-pod-dry.json") == "$ns" ]] || fail "helm test pod: wrong namespace"
http_port=$(grep '"msg":"listening"' "$work/server.log" | tail -n 1 | grep -o '"port":[0-9]*' | cut -d: -f2)
READY_URL=http://127.0.0.1:$http_port/ready MUTATE_URL=$(webhook_url) CA_FILE=$work/ca1.crt \
  sh -c "$(jq -r '.spec.containers[0].args[0]' "$work/test-pod-dry.json")" >"$work/helm-test.out" 2>&1 ||
  { cat "$work/helm-test.out"; fail "the helm test pod's script failed on the host"; }
grep -q "ok: dry-run admission over TLS allowed" "$work/helm-test.out" || fail "helm test script: no admission"
ok "helm test pod: accepted in a server dry run; its script passes on the host against the Secret's CA"

# --- renewal: a certificate expiring within the window (3 days left, --renew-within=5) is renewed; the
# new CA joins the caBundle before the Secret changes, so the old certificate stays trusted.
certgen --days=10 --renew-within=5 >"$work/run3.out" 2>&1 || { cat "$work/run3.out"; fail "certgen: renewal run"; }
grep -q "^mutatingwebhookconfiguration $config: caBundle patched (1 of 1 webhooks)$" "$work/run3.out" &&
  grep -q "^secret $ns/$secret: renewed" "$work/run3.out" || { cat "$work/run3.out"; fail "certgen: renewal report"; }
[[ $(grep -n "caBundle patched" "$work/run3.out" | cut -d: -f1) -lt $(grep -n "renewed" "$work/run3.out" | cut -d: -f1) ]] ||
  fail "certgen: the Secret was renewed before the caBundle was patched"
secret_file ca.crt >"$work/ca2.crt"
cmp -s "$work/ca1.crt" "$work/ca2.crt" && fail "certgen: renewal kept the CA"
bundle >"$work/bundle2.pem"
python3 -c 'import sys; b = open(sys.argv[1]).read(); sys.exit(not all(open(f).read() in b for f in sys.argv[2:]))' \
  "$work/bundle2.pem" "$work/ca1.crt" "$work/ca2.crt" ||
  fail "certgen: after renewal the caBundle does not hold both the old and the new CA"
webhook_answers certgen-apps >/dev/null || fail "certgen: the old certificate is no longer trusted right after renewal"
mkdir -p "$work/gen2" && cp "$work/ca2.crt" "$work/gen2/ca.crt"
secret_file tls.crt >"$work/gen2/tls.crt"; secret_file tls.key >"$work/gen2/tls.key"
publish "$work/gen2"   # what the kubelet does when the Secret changes; the server reloads it
wait_for 30 "the server serves the renewed certificate" \
  sh -c "openssl s_client -connect 127.0.0.1:$tls_port -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint | grep -qF '$(openssl x509 -in "$work/gen2/tls.crt" -noout -fingerprint)'"
webhook_answers certgen-apps >/dev/null || fail "certgen: the renewed certificate is not trusted"
[[ $(fail_open) == "$open_before" ]] || fail "certgen: fail-open during the renewal ($open_before -> $(fail_open))"
before=$(versions)
certgen --days=10 --renew-within=5 >"$work/run4.out" 2>&1 || { cat "$work/run4.out"; fail "certgen: run after renewal"; }
[[ $(versions) == "$before" ]] || { cat "$work/run4.out"; fail "certgen: the run after the renewal changed something"; }
ok "certgen: renewal patched the caBundle (old + new CA) before replacing the Secret; no fail-open across the switch; the next run changed nothing"
stop_webhook

# --- self-signed: the CA survives `helm upgrade` (the chart's lookup on the real API server).
kubectl create namespace selfsigned >/dev/null
on_exit "kubectl delete namespace selfsigned --wait=false"
helm install ss "$chart" -n selfsigned --set certificates.mode=self-signed >"$work/ss.out" 2>&1 || { cat "$work/ss.out"; fail "helm install (self-signed)"; }
on_exit "helm uninstall ss -n selfsigned"
ss_state() {
  kubectl get secret ss-traceassist-webhook-tls -n selfsigned -o jsonpath='{.data.ca\.crt} {.data.tls\.crt}'
  echo " $(kubectl get mutatingwebhookconfiguration ss-traceassist -o jsonpath='{.webhooks[0].clientConfig.caBundle}')"
}
first=$(ss_state)
read -r ss_ca _ ss_bundle <<<"$first"
[[ -n $ss_ca && $ss_ca == "$ss_bundle" ]] || fail "self-signed: the caBundle is not the Secret's ca.crt"
helm upgrade ss "$chart" -n selfsigned --set certificates.mode=self-signed --set webhook.timeoutSeconds=3 >"$work/ss-up.out" 2>&1 ||
  { cat "$work/ss-up.out"; fail "helm upgrade (self-signed)"; }
[[ $(kubectl get mutatingwebhookconfiguration ss-traceassist -o jsonpath='{.webhooks[0].timeoutSeconds}') == 3 ]] || fail "self-signed: the upgrade was not applied"
[[ $(ss_state) == "$first" ]] || fail "self-signed: helm upgrade changed the CA, the certificate or the caBundle"
ok "self-signed: CA, certificate and caBundle unchanged across helm upgrade"
echo "cluster certificates: all checks passed"
