#!/usr/bin/env bash
# The admission webhook as kube-apiserver sees it, against the real `traceassist serve` over TLS:
#  1. conformance: the Go client (test/conformance, built offline against Debian's Go packages) sends
#     every workload of the test fixtures and the shared corpus as CREATE/UPDATE (v1, v1beta1) and
#     DELETE, with and without template metadata/annotations, checks each answer like the API server,
#     applies the patch with evanphx/json-patch and compares with `traceassist instrument`; once with
#     the default policy and once with nginx/Go/init containers enabled on both sides;
#  2. latency: 1,000 sequential reviews over one TLS keep-alive connection, p99 <= 5 ms
#     (TRACEASSIST_WEBHOOK_P99_MAX_MS overrides, for slow or shared machines);
#  3. rotation: while the client sends reviews without pause, the mounted Secret is swapped the way the
#     kubelet does it (..data symlink); fresh connections must present the new certificate and no
#     review may fail. A broken pair published afterwards must be refused, the last good one kept.
set -euo pipefail
bin=${1:?usage: webhook_conformance.sh <traceassist binary>}
src=${TRACEASSIST_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
corpus=${TRACEASSIST_CORPUS_DIR:-$src/../shared/corpus}
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v go >/dev/null || skip "go (Debian golang-go) is not installed"
for pkg in github.com/evanphx/json-patch github.com/ghodss/yaml gopkg.in/yaml.v2; do
  [[ -d /usr/share/gocode/src/$pkg ]] || skip "/usr/share/gocode/src/$pkg missing (scripts/install-deps.sh --test)"
done
"$bin" serve --help 2>/dev/null | grep -q -- --tls-port || skip "this traceassist has no HTTPS listener (serve --tls-port)"

builddir=$(cd "$(dirname "$bin")/.." && pwd)
client=$builddir/test/admissionclient
mkdir -p "$builddir/test"
GOCACHE=$builddir/go-cache GO111MODULE=off GOPATH="$src/test/conformance:/usr/share/gocode" \
  go build -o "$client" admissionclient || fail "building the Go client"

work=$(mktemp -d)
server_pid=
stop_server() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
trap 'stop_server; rm -rf "$work"' EXIT

# A Secret volume as the kubelet lays it out: tls.crt -> ..data/tls.crt, ..data -> ..<version>.
vol=$work/secret
mkdir -p "$vol"
publish() {  # publish <version-dir-with-tls.crt-and-tls.key>
  local version=..$(basename "$1")-$RANDOM
  cp -r "$1" "$vol/$version"
  ln -s "$version" "$vol/..data_tmp"
  mv -T "$vol/..data_tmp" "$vol/..data"  # rename(2): atomic swap
  [[ -L $vol/tls.crt ]] || ln -s ..data/tls.crt "$vol/tls.crt"
  [[ -L $vol/tls.key ]] || ln -s ..data/tls.key "$vol/tls.key"
}
for c in c1 c2 c3; do
  "$bin" certs --service traceassist --namespace observability --out "$work/$c" >/dev/null 2>&1 || fail "traceassist certs"
done
# The caBundle during a rotation carries the old and the new CA.
cat "$work/c1/ca.crt" "$work/c2/ca.crt" >"$work/bundle.crt"
publish "$work/c1"

tls_port=
start_server() {  # start_server [ENV=VALUE...]
  env "$@" TRACEASSIST_TLS_CERT="$vol/tls.crt" TRACEASSIST_TLS_KEY="$vol/tls.key" \
    TRACEASSIST_KEEPALIVE_MAX_REQUESTS=100000 TRACEASSIST_LOG_LEVEL=info \
    "$bin" serve --bind 127.0.0.1 --port 0 --tls-port 0 >"$work/server.log" 2>&1 &
  server_pid=$!
  tls_port=
  for _ in $(seq 1 200); do
    tls_port=$(grep '"msg":"listening"' "$work/server.log" | grep -o '"tls_port":[0-9]*' | head -1 | cut -d: -f2 || true)
    [[ -n $tls_port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $tls_port && $tls_port != -1 ]] || { cat "$work/server.log" >&2; fail "server did not report its TLS port"; }
  "$client" -url "https://127.0.0.1:$tls_port/mutate" -ca "$work/bundle.crt" -timeout 20s wait ||
    { cat "$work/server.log" >&2; fail "webhook not answering"; }
}
run_client() { "$client" -url "https://127.0.0.1:$tls_port/mutate" -ca "$work/bundle.crt" "$@"; }

inputs=()
for f in "$corpus"/files/*.yaml "$src"/test/data/*.yaml "$src"/test/data/*.yml "$src"/test/data/*.json; do
  [[ -f $f ]] && inputs+=("$f")
done
[[ ${#inputs[@]} -gt 0 ]] || fail "no fixtures or corpus files found"

# 1. Conformance, default policy, then the optional languages switched on on both sides.
start_server
run_client -traceassist "$bin" conformance "${inputs[@]}" || fail "conformance (default policy)"
stop_server
start_server TRACEASSIST_ENABLE_NGINX=true TRACEASSIST_ENABLE_GO=true TRACEASSIST_INIT_CONTAINERS=true
run_client -traceassist "$bin" -cli-args "--enable-nginx --enable-go --init-containers" conformance "${inputs[@]}" ||
  fail "conformance (nginx, Go, init containers)"

# 2. Latency over one keep-alive connection. The p99 bound is a property of the server on a machine
# that is not saturated: when the 1-minute load is above the core count (other jobs compiling), the
# figure is reported but the bound is not enforced; one connection and 1,000 patches always are.
p99_max=${TRACEASSIST_WEBHOOK_P99_MAX_MS:-5}
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'; then
  echo "NOTE: load $load on $(nproc) cores: p99 <= ${p99_max} ms reported, not enforced"
  p99_max=3600000
fi
# One retry: a neighbour's burst can land among the 10 slowest of 1,000.
run_client -n 1000 -p99-max "${p99_max}ms" latency || run_client -n 1000 -p99-max "${p99_max}ms" latency ||
  fail "latency"

# 3. Rotation under load.
run_client -expect-cert "$work/c2/tls.crt" -after 200 -timeout 30s rotate >"$work/rotate.log" 2>&1 &
rotate_pid=$!
for _ in $(seq 1 200); do
  grep -q "rotate: sending" "$work/rotate.log" && break
  kill -0 "$rotate_pid" 2>/dev/null || break
  sleep 0.05
done
publish "$work/c2"
rotate_rc=0
wait "$rotate_pid" || rotate_rc=$?
cat "$work/rotate.log"
[[ $rotate_rc == 0 ]] || fail "rotation (see above)"
grep -q '"TLS certificate reloaded"' "$work/server.log" || fail "server did not log the reload"

# A broken pair (certificate of c3, key of c1) is refused; the c2 certificate stays in use.
mkdir -p "$work/broken" && cp "$work/c3/tls.crt" "$work/broken/" && cp "$work/c1/tls.key" "$work/broken/"
publish "$work/broken"
for _ in $(seq 1 100); do
  grep -q 'reload refused' "$work/server.log" && break
  sleep 0.05
done
grep -q 'reload refused' "$work/server.log" || fail "a broken certificate pair was not refused"
run_client -expect-cert "$work/c2/tls.crt" -after 10 -timeout 5s rotate >/dev/null || fail "lost the good pair after a broken reload"
echo "webhook conformance, latency and rotation: OK"
