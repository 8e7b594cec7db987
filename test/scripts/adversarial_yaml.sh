#!/usr/bin/env bash
# Hostile YAML structure fed to `traceassist instrument -`: alias bombs, self-referencing anchors
# (also inside a workload's pod template), nesting around the library's guard (400) and yaml-cpp's own
# limit (498/499) up to 100k, a UTF-8 BOM, invalid UTF-8, UTF-16, NUL bytes and 1 MB single lines.
# Each must end with exit 0, or exit 1 and a message on stderr, within 10 s and 512 MiB of address space.
set -euo pipefail
BIN=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
source "$(dirname "$0")/lib/bounded.sh"
command -v python3 >/dev/null || { echo "python3 is not installed (scripts/install-deps.sh --test)"; exit 77; }
gen() { python3 -c "$2" >"$WORK/$1.yaml"; }

DEPLOY='apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          image: eclipse-temurin:21-jre
'

# --- aliases -------------------------------------------------------------------------------------
gen alias_bomb_30_levels '
print("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
for i in range(1, 30):
    print(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]")
print("---")
print(open("/dev/stdin").read() if False else "")'
printf '%s' "$DEPLOY" >>"$WORK/alias_bomb_30_levels.yaml"
bounded_instrument alias_bomb_30_levels "$WORK/alias_bomb_30_levels.yaml" || true
# Kubernetes would expand it: refused as an alias bomb, naming document 1, in linear time.
expect "alias bomb: exit 1" test "$RC" -eq 1
expect "alias bomb: the error says alias bomb and document 1" stderr_has 'document 1, .*alias bomb'
expect "alias bomb: nothing written to stdout" test ! -s "$OUT_FILE"

# 100k aliases to one Deployment in a kind: List -- linear work, one skip reason each.
gen alias_list_100k '
print("apiVersion: v1\nkind: List\nhidden: &d {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: {template: {spec: {containers: [{name: app, image: node:20}]}}}}\nitems:")
print("\n".join(["  - *d"] * 100000))'
bounded_instrument alias_list_100k "$WORK/alias_list_100k.yaml" || true
expect "100k aliases to one workload: refused (excessive aliasing) or not edited through the anchor" \
  stderr_has 'alias bomb\|yaml_anchor'

cat >"$WORK/self_reference.yaml" <<'Y'
a: &a [*a]
b: &m {k: *m}
c: &c {c: [*c, *c, {d: *c}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: &meta {name: loop, self: *meta}
spec: &spec
  selector: *spec
  template: &tmpl
    metadata: &tm {annotations: &ann {x: *ann}, labels: *tm}
    spec: &ps
      shareProcessNamespace: *ps
      initContainers: &ic [*ic, {name: i, image: busybox, command: *ic}]
      containers: &cs
        - &c0 {name: app, image: node:20, env: &env [*env, {name: NODE_OPTIONS, valueFrom: *env}], args: *cs, command: [*c0]}
        - *c0
        - *cs
---
apiVersion: v1
kind: List
items: &items [*items, {kind: Pod, apiVersion: v1, metadata: {name: p}, spec: {containers: *items}}]
Y
bounded_instrument self_reference "$WORK/self_reference.yaml" || true
expect "self-referencing anchors: exit 1 (no hang, no crash)" test "$RC" -eq 1
expect "self-referencing anchors: the error names the cycle in document 1" stderr_has 'document 1, line 1, .*cycle'

# --- nesting -------------------------------------------------------------------------------------
nest_flow() { python3 -c "import sys; n=int(sys.argv[1]); print('['*n + ']'*n)" "$1" >"$WORK/nest_flow_$1.yaml"; }
nest_block() { python3 -c "import sys; n=int(sys.argv[1]); print(''.join(' '*i + 'k:\n' for i in range(n-1)) + ' '*(n-1) + 'k: v')" "$1" >"$WORK/nest_block_$1.yaml"; }
for n in 399 400; do
  nest_flow $n
  bounded_instrument "nest_flow_$n" "$WORK/nest_flow_$n.yaml" || true
  expect "flow nesting $n (at or under the guard of 400): accepted, exit 0" test "$RC" -eq 0
  nest_block $n
  bounded_instrument "nest_block_$n" "$WORK/nest_block_$n.yaml" || true
  expect "block nesting $n: accepted, exit 0" test "$RC" -eq 0
done
for n in 401 498 499 100000; do
  nest_flow $n
  bounded_instrument "nest_flow_$n" "$WORK/nest_flow_$n.yaml" || true
  expect "flow nesting $n: refused (exit 1, names the limit and line 1)" \
    bash -c "[[ $RC -eq 1 ]] && grep -q 'nesting deeper than 400' '$ERR_FILE' && grep -q 'line 1' '$ERR_FILE'"
done
nest_block 401
bounded_instrument nest_block_401 "$WORK/nest_block_401.yaml" || true
expect "block nesting 401: refused at line 401" \
  bash -c "[[ $RC -eq 1 ]] && grep -q 'nesting deeper than 400' '$ERR_FILE' && grep -q 'line 401' '$ERR_FILE'"
python3 -c "print('- ' * 100000 + 'x')" >"$WORK/nest_seq_100k.yaml"
bounded_instrument nest_seq_100k "$WORK/nest_seq_100k.yaml" || true
expect "100k block sequence levels: refused (exit 1)" test "$RC" -eq 1
python3 -c "print('{a: ' * 100000)" >"$WORK/nest_open_map_100k.yaml"
bounded_instrument nest_open_map_100k "$WORK/nest_open_map_100k.yaml" || true
expect "100k unclosed flow maps: refused (exit 1)" test "$RC" -eq 1

# --- encodings and odd bytes ---------------------------------------------------------------------
printf '\xEF\xBB\xBF%s' "$DEPLOY" >"$WORK/bom.yaml"
bounded_instrument bom "$WORK/bom.yaml" || true
expect "BOM: kept as the first 3 bytes" bash -c "head -c 3 '$OUT_FILE' | cmp -s - <(printf '\xEF\xBB\xBF')"
expect "BOM: annotations inserted at the right place (marks shift by 3) and idempotent" output_idempotent
expect "BOM: the annotation lines are the only change" \
  bash -c "diff '$WORK/bom.yaml' '$OUT_FILE' | grep '^[<>]' | grep -v '^> ' | wc -l | grep -qx 0"
{ printf '%s' "$DEPLOY"; printf '          env: [{name: X, value: "\xC3\x28"}]\n'; } >"$WORK/invalid_utf8.yaml"
bounded_instrument invalid_utf8 "$WORK/invalid_utf8.yaml" || true
expect "invalid UTF-8: exit 1, message names line 10" \
  bash -c "[[ $RC -eq 1 ]] && grep -q 'UTF-8' '$ERR_FILE' && grep -q 'line 10' '$ERR_FILE'"
printf '\xED\xA0\x80: surrogate\n' >"$WORK/utf8_surrogate.yaml"
bounded_instrument utf8_surrogate "$WORK/utf8_surrogate.yaml" || true
expect "UTF-8-encoded surrogate: exit 1" test "$RC" -eq 1
printf '%s' "$DEPLOY" | iconv -f UTF-8 -t UTF-16 >"$WORK/utf16.yaml"
bounded_instrument utf16 "$WORK/utf16.yaml" || true
expect "UTF-16 input: exit 1 with a message saying to convert it" stderr_has 'UTF-16'
{ printf '%s' "$DEPLOY"; printf '          args: ["a\0b"]\n'; } >"$WORK/nul_bytes.yaml"
bounded_instrument nul_bytes "$WORK/nul_bytes.yaml" || true
expect "NUL byte: exit 1, message names it" bash -c "[[ $RC -eq 1 ]] && grep -q 'NUL' '$ERR_FILE'"
head -c 1048576 /dev/urandom >"$WORK/random_1mb.bin"
bounded_instrument random_1mb "$WORK/random_1mb.bin" || true
expect "1 MB of random bytes: exit 1" test "$RC" -eq 1

# --- long lines ----------------------------------------------------------------------------------
gen line_1mb_scalar '
d = """'"$DEPLOY"'"""
print(d + "          env: [{name: JAVA_OPTS, value: \"" + "x" * (1 << 20) + "\"}]")'
bounded_instrument line_1mb_scalar "$WORK/line_1mb_scalar.yaml" || true
expect "1 MB scalar on one line: instrumented, idempotent" output_idempotent
gen line_1mb_flow '
import json
c = [{"name": f"c{i}", "image": "node:20"} for i in range(30000)]
print(json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "one-line"},
                  "spec": {"template": {"spec": {"containers": c}}}}, separators=(",", ":")))'
bounded_instrument line_1mb_flow "$WORK/line_1mb_flow.yaml" || true
expect "1 MB minified JSON Deployment on one line: exit 0 or 1, and valid JSON when 0" \
  bash -c "[[ $RC -eq 1 ]] || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$OUT_FILE'"
python3 -c "print('k: ' + 'v ' * 600000)" >"$WORK/line_1mb_plain.yaml"
bounded_instrument line_1mb_plain "$WORK/line_1mb_plain.yaml" || true

echo "failures: $FAILURES"
[[ $FAILURES -eq 0 ]]
