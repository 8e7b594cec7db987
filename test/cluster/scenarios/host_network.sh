#!/usr/bin/env bash
# Scenario: the chart's hostNetwork mode on the real API server (issue 17, item 1). The render of
# test/deploy/cases/host-network.yaml (ServiceMonitor off: no prometheus-operator CRDs here) passes a
# server-side dry run; the stored Deployment runs on the node's network with dnsPolicy
# ClusterFirstWithHostNet, offers only the https port, and probes over HTTPS. In a namespace enforcing Pod
# Security "restricted" the API server warns about hostNetwork, as DEPLOY.md says (pods there would be
# refused). What listens where is shown by test/scripts/deploy_hostnetwork.sh (no kubelet runs here).
source "$(dirname "$0")/lib.sh"
kubectl create namespace hostnet >/dev/null
on_exit "kubectl delete namespace hostnet --wait=false"
helm template ta "$src/helm/traceassist" -n hostnet -f "$src/test/deploy/cases/host-network.yaml" \
  --set serviceMonitor.enabled=false >"$work/render.yaml" || fail "helm template (host-network)"
kubectl apply --dry-run=server -f "$work/render.yaml" -o json >"$work/dry.json" 2>"$work/dry.err" ||
  { cat "$work/dry.err"; fail "the hostNetwork render was refused by the API server"; }
jq -e '.items[] | select(.kind == "Deployment") | .spec.template.spec |
  .hostNetwork == true and .dnsPolicy == "ClusterFirstWithHostNet" and
  ([.containers[0].ports[].name] == ["https"]) and
  (.containers[0].env | any(.name == "TRACEASSIST_HTTP_BIND" and .value == "127.0.0.1")) and
  (.containers[0].livenessProbe.httpGet.scheme == "HTTPS") and (.containers[0].readinessProbe.httpGet.scheme == "HTTPS")' \
  "$work/dry.json" >/dev/null || fail "the Deployment as the API server stores it is not the hostNetwork one"
jq -e '.items[] | select(.kind == "Service") | [.spec.ports[].name] == ["https"]' "$work/dry.json" >/dev/null ||
  fail "the Service has ports other than https"
ok "hostNetwork render: $(jq '.items | length' "$work/dry.json") objects accepted (server dry run): hostNetwork, ClusterFirstWithHostNet, https port only, HTTPS probes"
kubectl label namespace hostnet pod-security.kubernetes.io/enforce=restricted >/dev/null
kubectl apply --dry-run=server -f "$work/render.yaml" >/dev/null 2>"$work/restricted.err" || true
grep -q 'would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true)' "$work/restricted.err" ||
  { cat "$work/restricted.err"; fail "no Pod Security warning for hostNetwork under restricted"; }
ok "namespace enforcing restricted: $(grep -o 'would violate PodSecurity[^,]*' "$work/restricted.err" | head -1)"
