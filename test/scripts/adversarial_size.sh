#!/usr/bin/env bash
# Hostile sizes fed to `traceassist instrument -` under a 512 MiB address-space limit: a 100 MB
# manifest, millions of tiny documents, a pod with 100k containers, annotations at Kubernetes' size
# limits (key: 253-character prefix + "/" + 63-character name; 256 KiB in total) and beyond.
# Each ends with exit 0, or exit 1 and a message on stderr, within its time bound (10 s; the 100 MB
# stream is bound by parse throughput instead, see bench/RESULTS.md ## Hardening), never a crash.
set -euo pipefail
BIN=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
source "$(dirname "$0")/lib/bounded.sh"
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }
gen() { python3 -c "$2" >"$WORK/$1.yaml"; }
if [[ $SANITIZED == 1 ]]; then
  echo "a sanitizer build cannot run under the 512 MiB address-space bound this test measures (ASan"
  echo "reserves terabytes of shadow memory); the Release build runs it"
  exit 77
fi

# --- 100 MB ---------------------------------------------------------------------------------------
# Workload-dense: ~230k Deployments. The per-object report needs ~12x the input in memory (measured:
# 1.26 GB RSS unbounded), so under 512 MiB this must end as exit 1 "out of memory" -- not an abort.
gen manifest_100mb_deployments '
import sys
doc = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: eclipse-temurin:21-jre\n"
out, n, i = [], 0, 0
while n < 100 << 20:
    s = ("---\n" if i else "") + doc % i
    out.append(s); n += len(s); i += 1
sys.stdout.write("".join(out))'
TIME_LIMIT_S=${LARGE_TIME_LIMIT_S:-150} bounded_instrument manifest_100mb_deployments "$WORK/manifest_100mb_deployments.yaml" || true
expect "100 MB of Deployments under 512 MiB: exit 0, or exit 1 saying out of memory" \
  bash -c "[[ $RC -eq 0 ]] || grep -q 'out of memory' '$ERR_FILE'"
rm -f "$WORK/manifest_100mb_deployments."*

# Non-workload documents (ConfigMaps): nothing to report, so only the text is held.
gen manifest_100mb_configmaps '
import sys
doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  key: \"%s\"\n"
out, n, i = [], 0, 0
while n < 100 << 20:
    s = ("---\n" if i else "") + doc % (i, "v" * 400)
    out.append(s); n += len(s); i += 1
sys.stdout.write("".join(out))'
TIME_LIMIT_S=${LARGE_TIME_LIMIT_S:-150} bounded_instrument manifest_100mb_configmaps "$WORK/manifest_100mb_configmaps.yaml" || true
expect "100 MB of ConfigMaps: passed through unchanged (exit 0)" \
  bash -c "[[ $RC -eq 0 ]] && cmp -s '$OUT_FILE' '$WORK/manifest_100mb_configmaps.yaml'"
rm -f "$WORK/manifest_100mb_configmaps."*

# --- endless input ---------------------------------------------------------------------------------
# /dev/zero on standard input: reading stops at the 256 MiB input limit, with an error naming it
# (the CLI used to read until memory ran out).
bounded_instrument endless_zeros /dev/zero || true
expect "an endless input: exit 1 at the 256 MiB input limit" \
  bash -c "[[ $RC -eq 1 ]] && grep -q 'larger than the 256 MiB limit' '$ERR_FILE'"

# --- many documents --------------------------------------------------------------------------------
python3 -c 'import sys; sys.stdout.write("---\n" * 2000000)' >"$WORK/docs_2m_empty.yaml"
bounded_instrument docs_2m_empty "$WORK/docs_2m_empty.yaml" || true
expect "2 million empty documents: unchanged" bash -c "[[ $RC -eq 0 ]] && cmp -s '$OUT_FILE' '$WORK/docs_2m_empty.yaml'"
python3 -c 'import sys; sys.stdout.write("---\na: 1\n" * 1000000)' >"$WORK/docs_1m_tiny.yaml"
bounded_instrument docs_1m_tiny "$WORK/docs_1m_tiny.yaml" || true
expect "1 million tiny documents: unchanged" bash -c "[[ $RC -eq 0 ]] && cmp -s '$OUT_FILE' '$WORK/docs_1m_tiny.yaml'"

# --- many containers -------------------------------------------------------------------------------
gen containers_100k '
print("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: wide}\nspec:\n  template:\n    spec:\n      containers:")
for i in range(100000):
    print(f"        - name: c{i}\n          image: node:20")'
bounded_instrument containers_100k "$WORK/containers_100k.yaml" || true
expect "100k containers: instrumented (exit 0) and idempotent" bash -c "[[ $RC -eq 0 ]]" 
[[ $RC -eq 0 ]] && expect "100k containers: second run changes nothing" output_idempotent

# --- annotations at Kubernetes' limits ---------------------------------------------------------------
# A qualified key: DNS-subdomain prefix (253) + "/" + name (63). The total size of keys and values is
# limited to 256 KiB by the API server.
gen annotations_at_limits '
prefix = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
assert len(prefix) == 253
key = prefix + "/" + "n" * 63
budget = 256 * 1024 - len(key)
print("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big-annotations}\nspec:\n  template:")
print("    metadata:\n      annotations:")
value = "v" * (budget - 1000)
print(f"        {key}: \"{value}\"")
print("    spec:\n      containers:\n        - name: app\n          image: python:3.12")'
bounded_instrument annotations_at_limits "$WORK/annotations_at_limits.yaml" || true
expect "annotations at the size limits: instrumented, idempotent" output_idempotent
gen annotations_10k_keys '
print("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: many-annotations}\nspec:\n  template:")
print("    metadata:\n      annotations:")
for i in range(10000):
    print(f"        example.com/k{i}: \"{i}\"")
print("    spec:\n      containers:\n        - name: app\n          image: node:20")'
bounded_instrument annotations_10k_keys "$WORK/annotations_10k_keys.yaml" || true
expect "10k existing annotations: instrumented, idempotent" output_idempotent
gen annotations_over_limit '
print("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: oversize}\nspec:\n  template:")
print("    metadata:\n      annotations:")
blob = "x" * (1 << 20)
print(f"        example.com/blob: \"{blob}\"")
print("    spec:\n      containers:\n        - name: app\n          image: node:20")'
bounded_instrument annotations_over_limit "$WORK/annotations_over_limit.yaml" || true

echo "failures: $FAILURES"
[[ $FAILURES -eq 0 ]]
