#!/usr/bin/env bash
# Scenario 1, install paths on the real API server: `kubectl apply -k` of k8s/ (with the test-only url
# patch), first --dry-run=server, then for real; the webhook it registers instruments a Deployment;
# `kubectl delete -k` leaves nothing. `helm lint` and `helm template` of helm/traceassist; `helm install`
# (--dry-run=server first), `helm upgrade` (the change reaches the cluster), `helm uninstall` leaves nothing.
source "$(dirname "$0")/lib.sh"
chart=$src/helm/traceassist
start_webhook

# Everything a release or k8s/ may create, in every namespace.
kinds=deployments,replicasets,pods,services,serviceaccounts,configmaps,secrets,poddisruptionbudgets,horizontalpodautoscalers,networkpolicies,ingresses,certificates.cert-manager.io,issuers.cert-manager.io
leftovers() {  # leftovers SELECTOR: names of matching objects anywhere, and webhook configurations
  kubectl get "$kinds" -A -l "$1" -o name || echo "kubectl get failed"
  kubectl get mutatingwebhookconfigurations -l "$1" -o name || echo "kubectl get failed"
}
nothing_left() { [[ -z $(leftovers "$1") ]]; }

# --- k8s/ with kubectl apply -k
render_k8s_overlay "$work/overlay"
kubectl kustomize "$work/overlay" | "$harness" yaml2json >"$work/k8s.json"
expected=$(jq -r '[.[] | "\(.kind)/\(.metadata.name)"] | sort | join(" ")' "$work/k8s.json")
[[ $(jq length "$work/k8s.json") -ge 9 ]] || fail "k8s/ renders only $(jq length "$work/k8s.json") objects"
# A server dry run cannot create the namespace the other objects go to: it must exist first.
kubectl create namespace traceassist >/dev/null
on_exit "kubectl delete namespace traceassist --wait=false"
kubectl apply -k "$work/overlay" --dry-run=server >"$work/dry.out" 2>&1 || { cat "$work/dry.out"; fail "apply -k --dry-run=server"; }
[[ $(grep -c '(server dry run)$' "$work/dry.out") == "$(jq length "$work/k8s.json")" ]] ||
  { cat "$work/dry.out"; fail "not every object of k8s/ was accepted in the server dry run"; }
[[ $(kubectl get -k "$work/overlay" -o name --ignore-not-found) == "namespace/traceassist" ]] || fail "a server dry run stored objects"
ok "kubectl apply -k --dry-run=server: $(jq length "$work/k8s.json") objects accepted, nothing stored"

kubectl apply -k "$work/overlay" >"$work/apply.out" 2>&1 || { cat "$work/apply.out"; fail "kubectl apply -k"; }
on_exit "kubectl delete -k $work/overlay --ignore-not-found --wait=false"
stored=$(kubectl get -k "$work/overlay" -o json | jq -r '[.items[] | "\(.kind)/\(.metadata.name)"] | sort | join(" ")')
[[ $stored == "$expected" ]] || fail "stored objects differ from k8s/: stored [$stored], rendered [$expected]"
kubectl get certificate traceassist-webhook -n traceassist -o jsonpath='{.spec.dnsNames}' | grep -q traceassist.traceassist.svc ||
  fail "the Certificate was not stored as written"
[[ $(kubectl get mutatingwebhookconfiguration traceassist -o jsonpath='{.webhooks[0].clientConfig.url}') == "$(webhook_url)" ]] ||
  fail "the stored webhook configuration does not call $(webhook_url)"
ok "kubectl apply -k: every object stored ($(jq length "$work/k8s.json"))"

labelled_namespace install-k8s
wait_for 30 "the webhook registered by k8s/ instruments a Deployment" webhook_answers install-k8s
ok "the webhook registered by kubectl apply -k instruments"

kubectl delete -k "$work/overlay" --wait=true --timeout=120s >/dev/null
wait_for 120 "nothing of k8s/ left (namespace controller, garbage collector)" nothing_left app.kubernetes.io/part-of=traceassist
kubectl get namespace traceassist >/dev/null 2>&1 && fail "namespace traceassist still exists"
ok "kubectl delete -k: nothing left"

# --- the chart
helm lint "$chart" >"$work/lint.out" 2>&1 || { cat "$work/lint.out"; fail "helm lint"; }
grep -q '1 chart(s) linted, 0 chart(s) failed' "$work/lint.out" || { cat "$work/lint.out"; fail "helm lint summary"; }
ok "helm lint"
helm template ta "$chart" -n observability >"$work/template.yaml" || fail "helm template (defaults)"
"$harness" yaml2json <"$work/template.yaml" | jq -e 'any(.[]; .kind == "MutatingWebhookConfiguration" and .webhooks[0].clientConfig.service.namespace == "observability")' >/dev/null ||
  fail "helm template: the default webhook does not reference the Service"
# Every object of the default render is accepted by the API server (a server dry run; the namespace must exist).
kubectl create namespace observability >/dev/null
on_exit "kubectl delete namespace observability --wait=false"
kubectl apply --dry-run=server -f "$work/template.yaml" >"$work/template-dry.out" 2>&1 ||
  { cat "$work/template-dry.out"; fail "helm template output refused by the API server"; }
ok "helm template: $(grep -c 'server dry run' "$work/template-dry.out") objects accepted by the API server"

# NOTES.txt renders for the default values and each values case of the deploy tests (Helm renders it
# only for install/upgrade, and a client-side dry run still asks the API server for its version).
for f in "" "$src"/test/deploy/cases/*.yaml; do
  # (no prometheus-operator CRDs here: full.yaml's ServiceMonitor and PrometheusRule are switched off)
  helm install ta "$chart" -n observability ${f:+-f "$f"} --set serviceMonitor.enabled=false \
    --set prometheusRule.enabled=false --dry-run=client >"$work/notes.out" 2>&1 ||
    { cat "$work/notes.out"; fail "helm install --dry-run=client ${f:-(defaults)}"; }
  grep -q "rollout status deployment/" "$work/notes.out" || fail "NOTES.txt does not render with ${f:-the defaults}"
done
ok "NOTES.txt renders with the defaults and each of test/deploy/cases"

values=(--set "webhook.url=$(webhook_url)" --set certificates.mode=existing-secret
  --set certificates.existingSecret.name=traceassist-dev-tls --set "certificates.existingSecret.caBundle=$ca_bundle")
# As above, the namespace must exist for a server dry run.
kubectl create namespace platform >/dev/null
on_exit "kubectl delete namespace platform --wait=false"
helm install ta "$chart" -n platform "${values[@]}" --dry-run=server >"$work/install-dry.out" 2>&1 ||
  { cat "$work/install-dry.out"; fail "helm install --dry-run=server"; }
[[ -z $(kubectl get deployments,secrets -n platform -o name) ]] || fail "helm install --dry-run=server stored objects"
kubectl get mutatingwebhookconfiguration ta-traceassist >/dev/null 2>&1 && fail "helm install --dry-run=server stored the webhook configuration"
ok "helm install --dry-run=server"

helm install ta "$chart" -n platform "${values[@]}" >"$work/install.out" 2>&1 ||
  { cat "$work/install.out"; fail "helm install"; }
on_exit "helm uninstall ta -n platform"
manifest=$(helm get manifest ta -n platform | "$harness" yaml2json)
for obj in $(jq -r '.[] | "\(.kind)/\(.metadata.name)"' <<<"$manifest"); do
  kubectl get -n platform "$obj" >/dev/null || fail "helm install: $obj not stored"
done
[[ $(kubectl get mutatingwebhookconfiguration ta-traceassist -o jsonpath='{.webhooks[0].clientConfig.url}') == "$(webhook_url)" ]] ||
  fail "helm install: webhook.url did not reach the webhook configuration"
ok "helm install: $(jq length <<<"$manifest") objects stored"
labelled_namespace install-helm
wait_for 30 "the webhook the chart registered instruments a Deployment" webhook_answers install-helm
ok "the webhook registered by helm install instruments"

helm upgrade ta "$chart" -n platform "${values[@]}" --set webhook.timeoutSeconds=3 >"$work/upgrade.out" 2>&1 ||
  { cat "$work/upgrade.out"; fail "helm upgrade"; }
[[ $(kubectl get mutatingwebhookconfiguration ta-traceassist -o jsonpath='{.webhooks[0].timeoutSeconds}') == 3 ]] ||
  fail "helm upgrade: timeoutSeconds=3 not stored"
[[ $(helm history ta -n platform -o json | jq length) == 2 ]] || fail "helm history has no second revision"
ok "helm upgrade: the change is stored"

helm uninstall ta -n platform --wait --timeout 120s >/dev/null || fail "helm uninstall"
wait_for 120 "nothing of the release left" nothing_left app.kubernetes.io/instance=ta
[[ -z $(kubectl get secrets -n platform -l owner=helm -o name) ]] || fail "helm's release records are left"
ok "helm uninstall: nothing left"
echo "cluster install_paths: all checks passed"
