#!/usr/bin/env bash
# helm/traceassist: rendered by the real Helm (`helm template`, built by test/cluster/build.sh) with
# the default values and each certificate and webhook mode; every render passes the same checks as k8s/
# (OpenAPI schemas, restricted Pod Security, webhook/Service/certificate wiring); (NOTES.txt: cluster:install_paths);
# values.yaml and each case pass values.schema.json (Ajv, strict) and wrong values are rejected, by the
# schema or by the templates' own `required`/`fail`; the default render agrees with k8s/; DEPLOY.md's
# values table matches values.yaml.
set -euo pipefail
source "$(dirname "$0")/../deploy/setup.sh"
command -v openssl >/dev/null || skip "openssl is not installed (needed to make the existing-secret case's CA)"
deploy_npm
deploy_cluster_tools
chart="$SOURCE_DIR/helm/traceassist"
cases="$DEPLOY_DIR/cases"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
# merged_values DEFAULTS [FILE...]: the values Helm renders with, as JSON: maps merged key by key, any other
# value replaced (Helm's coalescing; jq's `*`), for Ajv to check against values.schema.json.
merged_values() {
  for f in "$@"; do "$CLUSTER_HARNESS" yaml2json < "$f" | jq '.[0] // {}'; done | jq -s 'reduce .[] as $v ({}; . * $v)'
}

# An existing Secret's CA, made here so no key material lives in the repository.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
cat > "$tmp/values-existing-secret.yaml" <<YAML
certificates:
  mode: existing-secret
  existingSecret:
    name: my-webhook-tls
    caBundle: $(base64 -w0 "$tmp/ca.crt")
YAML

# name | values file | release | namespace | check.mjs options
matrix=(
  "default||traceassist|traceassist|"
  "cert-manager+pods|$cases/pods.yaml|traceassist|traceassist|--mode pods"
  "self-signed|$cases/self-signed.yaml|traceassist|traceassist|"
  "certgen|$cases/certgen.yaml|traceassist|traceassist|"
  "existing-secret|$tmp/values-existing-secret.yaml|ta|platform|"
  "webhook-off|$cases/webhook-off.yaml|traceassist|traceassist|--no-webhook"
  "no-match-conditions|$cases/no-match-conditions.yaml|traceassist|traceassist|"
  "self-signed+pods|$cases/self-signed.yaml $cases/pods.yaml|ta|platform|--mode pods"
  "host-network|$cases/host-network.yaml|traceassist|traceassist|--host-network --service-ports 443:8443"
  "full|$cases/full.yaml|prod|observability|--failure-policy Fail --timeout 3 --external-issuer --service-ports 9443:9444,8080:9000 --container-ports 9000:9444"
)
valid=()
for row in "${matrix[@]}"; do
  IFS='|' read -r name files release ns opts <<<"$row"
  fargs=(); for f in $files; do fargs+=(-f "$f"); done
  helm template "$release" "$chart" -n "$ns" "${fargs[@]}" > "$tmp/out/$name.yaml"
  # shellcheck disable=SC2086
  node "$DEPLOY_DIR/check.mjs" manifests "$tmp/out/$name.yaml" --label "chart $name" $opts
  # NOTES.txt: Helm renders it only for install/upgrade, which need an API server: test/cluster's
  # install_paths renders it for each of these cases (helm install --dry-run=client).
  merged_values "$chart/values.yaml" $files > "$tmp/out/$name.values.json"
  valid+=(--valid "$tmp/out/$name.values.json")
done

invalid=()
for f in "$cases"/invalid/*.yaml; do
  merged_values "$chart/values.yaml" "$f" > "$tmp/invalid-$(basename "$f" .yaml).json"
  invalid+=(--invalid "$tmp/invalid-$(basename "$f" .yaml).json")
done
node "$DEPLOY_DIR/check.mjs" values "$chart/values.schema.json" "${valid[@]}" "${invalid[@]}"

# GitOps tools render offline (`helm template`): in cert-manager mode (the default), certgen and existing-secret mode
# two renders are byte-identical and carry no key material. Self-signed mode generates a new pair per
# offline render (lookup finds nothing there), which DEPLOY.md says; it must differ, or this check is blind.
for name in default full existing-secret certgen; do
  row=$(printf '%s\n' "${matrix[@]}" | grep "^$name|")
  IFS='|' read -r _ files release ns _ <<<"$row"
  fargs=(); for f in $files; do fargs+=(-f "$f"); done
  helm template "$release" "$chart" -n "$ns" "${fargs[@]}" > "$tmp/again.yaml"
  cmp -s "$tmp/out/$name.yaml" "$tmp/again.yaml" || { echo "FAIL: two offline renders of $name differ"; exit 1; }
  if grep -qE 'PRIVATE KEY|tls\.key:|LS0tLS1CRUdJTiBSU0Eg|LS0tLS1CRUdJTiBQUklWQVRF' "$tmp/out/$name.yaml"; then
    echo "FAIL: the $name render carries key material"; exit 1
  fi
done
helm template traceassist "$chart" -n traceassist -f "$cases/self-signed.yaml" > "$tmp/again.yaml"
if cmp -s "$tmp/out/self-signed.yaml" "$tmp/again.yaml"; then echo "FAIL: self-signed renders are identical: the comparison above cannot see a difference"; exit 1; fi
echo "ok offline renders: default, full, existing-secret and certgen byte-identical twice, no key material; self-signed differs, as documented"

# k8s/ and the default render must not drift apart.
kubectl kustomize "$SOURCE_DIR/k8s" > "$tmp/k8s.yaml"
node "$DEPLOY_DIR/check.mjs" parity "$tmp/k8s.yaml" "$tmp/out/default.yaml"

# The values table in DEPLOY.md lists every key of values.yaml, and nothing else.
node "$DEPLOY_DIR/check.mjs" values-doc "$chart/values.yaml" "$SOURCE_DIR/DEPLOY.md"

# Mistakes the schema cannot see are stopped by the templates themselves.
expect_render_error() {
  local what="$1" message="$2"; shift 2
  if helm template traceassist "$chart" "$@" > /dev/null 2> "$tmp/err"; then echo "FAIL: $what rendered"; exit 1; fi
  grep -q "$message" "$tmp/err" || { echo "FAIL: $what: unexpected error: $(cat "$tmp/err")"; exit 1; }
  echo "ok render refused: $what ($message)"
}
printf 'certificates:\n  mode: existing-secret\n  existingSecret:\n    name: x\n' > "$tmp/no-ca.yaml"
expect_render_error "existing-secret without caBundle" "caBundle is required" -f "$tmp/no-ca.yaml"
printf 'autoscaling:\n  minReplicas: 5\n  maxReplicas: 3\n' > "$tmp/minmax.yaml"
expect_render_error "minReplicas > maxReplicas" "must not exceed" -f "$tmp/minmax.yaml"
expect_render_error "Kubernetes 1.24" "incompatible with Kubernetes" --kube-version v1.24.0
echo "deploy_helm: all checks passed"
