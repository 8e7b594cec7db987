#!/usr/bin/env bash
# k8s/: `kubectl kustomize` renders it (with and without the Ingress component); every object passes the
# Kubernetes OpenAPI schemas with unknown fields rejected, every pod template the restricted Pod Security
# profile, and the webhook configuration reaches /mutate on the HTTPS port with cert-manager's CA.
set -euo pipefail
source "$(dirname "$0")/../deploy/setup.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed (needed for kubectl kustomize)"
deploy_npm
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

kubectl kustomize "$SOURCE_DIR/k8s" > "$tmp/k8s.yaml"
node "$DEPLOY_DIR/check.mjs" manifests "$tmp/k8s.yaml" --label "k8s/"

# The Ingress example, switched on the way the kustomization's comment says.
mkdir "$tmp/overlay"
rel="$(realpath --relative-to="$tmp/overlay" "$SOURCE_DIR/k8s")"
cat > "$tmp/overlay/kustomization.yaml" <<YAML
resources: [$rel]
components: [$rel/ingress]
YAML
kubectl kustomize --load-restrictor LoadRestrictionsNone "$tmp/overlay" > "$tmp/k8s-ingress.yaml"
grep -q '^kind: Ingress$' "$tmp/k8s-ingress.yaml" || { echo "FAIL: the ingress component adds no Ingress"; exit 1; }
if grep -q '^kind: Ingress$' "$tmp/k8s.yaml"; then echo "FAIL: the Ingress must be off by default"; exit 1; fi
node "$DEPLOY_DIR/check.mjs" manifests "$tmp/k8s-ingress.yaml" --label "k8s/ + ingress component"
echo "deploy_k8s: all checks passed"
