#!/usr/bin/env bash
# `traceassist ... --inspect-images` against the test registries (registry_live fixture): the static CLI
# hands the fetching to traceassist-server inspect-images and gets the facts back; placeholders are
# never fetched; credentials never appear in the output.
# Usage: cli_inspect_images.sh TRACEASSIST_BINARY STATE_DIR
set -euo pipefail
bin=$1 state=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
port=$(jq -r .ports.basic "$state/state.json")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache HOME=$work
flags=(--registry-mirror "us-central1-docker.pkg.dev=https://localhost:$port" --registry-private localhost
       --registry-ca "$(jq -r .ca "$state/state.json")" --docker-config "$(jq -r .docker_config.basic "$state/state.json")"
       --inspect-layers)

# The CLI has no libcurl and no TLS library: it cannot fetch by itself. (Release builds link it statically;
# sanitizer builds link it dynamically, so the check is on what it loads, not on how it is linked.)
if ldd "$bin" 2>/dev/null | grep -Eq 'libcurl|libssl|libcrypto'; then fail "$bin loads libcurl or a TLS library"; fi

adservice=us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/adservice:v0.10.6
shipping=us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/shippingservice:v0.10.6
placeholder=us-central1-docker.pkg.dev/PROJECT_ID/gke-scheduled-autoscaler/custom-metric-exporter
"$bin" inspect-images "${flags[@]}" "$adservice" "$shipping" "$placeholder" >"$work/lines"
[[ $(jq -r .outcome "$work/lines" | paste -sd,) == fetched,fetched,invalid_reference ]] || fail "outcomes: $(cat "$work/lines")"
jq -se '.[0].facts.env | map(startswith("JAVA_HOME=")) | any' "$work/lines" >/dev/null ||
  fail "adservice env: $(head -1 "$work/lines")"
jq -se '.[1].facts.entry_binary | .path == "/src/shippingservice" and .go_build_info' "$work/lines" >/dev/null ||
  fail "shippingservice binary: $(sed -n 2p "$work/lines")"
# Second run: from the disk cache ($XDG_CACHE_HOME/traceassist), no registry needed.
# Only localhost is allowed (it has no mirror now): a cache miss would be refused, never looked up.
"$bin" inspect-images --registry-allowlist localhost "$adservice" >"$work/cached"
[[ $(jq -r .outcome "$work/cached") == cache_hit ]] || fail "second run: $(cat "$work/cached")"
[[ -d $XDG_CACHE_HOME/traceassist ]] || fail "no cache directory"

cat >"$work/deploy.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      - {name: ads, image: $adservice}
      - {name: shipping, image: $shipping}
      - {name: exporter, image: $placeholder}
YAML
"$bin" detect --inspect-images "${flags[@]}" -o json "$work/deploy.yaml" >"$work/detect.json" 2>"$work/detect.err" ||
  fail "detect --inspect-images failed: $(cat "$work/detect.err")"
jq -e '.objects | length == 1' "$work/detect.json" >/dev/null || fail "detect output: $(cat "$work/detect.json")"
# The placeholder is never fetched: if the detector asked for it, the note says invalid_reference.
! grep -q "image inspection: $placeholder: [^i]" "$work/detect.err" || fail "placeholder: $(cat "$work/detect.err")"
! grep -rq "s3cret" "$work/detect.json" "$work/detect.err" "$work/lines" "$XDG_CACHE_HOME" || fail "a credential was written out"
echo "cli --inspect-images: ok ($(jq -r '.objects[0].containers // .objects[0] | tostring' "$work/detect.json" | head -c 300))"
