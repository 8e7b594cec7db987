#!/usr/bin/env bash
# k8s/: `kubectl kustomize` renders it (with and without the Ingress component); every object passes the
# Kubernetes OpenAPI schemas with unknown fields rejected, every pod template the restricted Pod Security
# profile, and the webhook configuration reaches /mutate on the HTTPS port with cert-manager's CA. The
# Deployment leaves the replica count to the HPA. examples/other-namespace (namespace: observability) passes
# the same checks with every name following: the certificate's DNS names, the CA injection annotation, the
# Service reference and the namespace exclusion; without its replacements the wiring check fails.
set -euo pipefail
source "$(dirname "$0")/../deploy/setup.sh"
deploy_npm
deploy_cluster_tools
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
# The HPA owns the scale: a fixed replicas would be reset by every `kubectl apply`.
node -e '
const { parseAllDocuments } = require(process.argv[1] + "/node_modules/yaml");
const docs = parseAllDocuments(require("fs").readFileSync(process.argv[2], "utf8")).map((d) => d.toJS());
const dep = docs.find((o) => o.kind === "Deployment");
if (!docs.some((o) => o.kind === "HorizontalPodAutoscaler")) { console.log("FAIL: no HPA in k8s/"); process.exit(1); }
if ("replicas" in dep.spec) { console.log(`FAIL: k8s/ Deployment sets replicas ${dep.spec.replicas} while the HPA owns the scale`); process.exit(1); }
console.log("ok k8s/: the Deployment sets no replicas; the HPA owns the scale");' "$DEPLOY_DIR" "$tmp/k8s.yaml"

# Another namespace through the example overlay.
kubectl kustomize "$SOURCE_DIR/examples/other-namespace" > "$tmp/other.yaml"
node "$DEPLOY_DIR/check.mjs" manifests "$tmp/other.yaml" --label "examples/other-namespace"
for want in "namespace: observability" "commonName: traceassist.observability.svc" "- traceassist.observability.svc.cluster.local" \
  "cert-manager.io/inject-ca-from: observability/traceassist-webhook" "      - observability"; do
  grep -qF -- "$want" "$tmp/other.yaml" || { echo "FAIL: examples/other-namespace: no '$want'"; exit 1; }
done
if grep -nE 'namespace: traceassist$|traceassist\.traceassist\.svc|traceassist/traceassist-webhook|^      - traceassist$' "$tmp/other.yaml"; then
  echo "FAIL: examples/other-namespace still names the namespace traceassist (lines above)"; exit 1
fi
echo "ok examples/other-namespace: every namespace reference is observability"
# The same overlay without its replacements must fail the wiring check (the check can see the difference).
mkdir "$tmp/bare"
printf 'namespace: observability\nresources: [%s]\n' "$(realpath --relative-to="$tmp/bare" "$SOURCE_DIR/k8s")" > "$tmp/bare/kustomization.yaml"
kubectl kustomize --load-restrictor LoadRestrictionsNone "$tmp/bare" > "$tmp/bare.yaml"
if node "$DEPLOY_DIR/check.mjs" manifests "$tmp/bare.yaml" --label "namespace without replacements" > "$tmp/bare.out"; then
  echo "FAIL: an overlay without the replacements passed the wiring check"; exit 1
fi
grep -q "own namespace observability" "$tmp/bare.out" || { echo "FAIL: unexpected: $(cat "$tmp/bare.out")"; exit 1; }
echo "ok namespace overlay without replacements: refused ($(grep -c FAIL "$tmp/bare.out") problem(s), e.g. $(grep -m1 -o 'wiring: .*' "$tmp/bare.out"))"
echo "deploy_k8s: all checks passed"
