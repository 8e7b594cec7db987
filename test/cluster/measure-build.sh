#!/usr/bin/env bash
# Spike measurement: builds each pinned component once from empty Go caches (a fresh GOMODCACHE and,
# per component, a fresh GOCACHE under $1), then again with the same caches (warm), and prints a
# Markdown table row per component. Not part of CI: it takes a long time on purpose.
set -euo pipefail
cd "$(dirname "$0")"
source ./go-env.sh
root=${1:?usage: measure-build.sh EMPTY_DIR [COMPONENT...]}
mkdir -p "$root/mod" "$root/bin"
export GOMODCACHE=$root/mod GOFLAGS=-mod=readonly
start=$(date +%s.%N)
go mod download
echo "| (all modules) | go mod download | $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s | - |"
measure() {
  local name=$1 pkg=$2 mod=$3 cold warm t
  export GOCACHE=$root/cache-$name
  rm -rf "$GOCACHE"
  t=$(date +%s.%N); go build -o "$root/bin/$name" "$pkg"; cold=$(echo "$(date +%s.%N) - $t" | bc)
  t=$(date +%s.%N); go build -o "$root/bin/$name" "$pkg"; warm=$(echo "$(date +%s.%N) - $t" | bc)
  printf '| %s | %s | %.0f s | %.1f s | load %s\n' "$name" "$mod" "$cold" "$warm" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
declare -A what=(
  [harness]="./harness|etcd, kube-apiserver, kube-controller-manager, kubectl in one binary"
  [etcd]="go.etcd.io/etcd/server/v3/embed|go.etcd.io/etcd/server/v3@v3.6.8 (embed package, no link)"
  [kube-apiserver]="k8s.io/kubernetes/cmd/kube-apiserver|k8s.io/kubernetes@v1.36.3"
  [kube-controller-manager]="k8s.io/kubernetes/cmd/kube-controller-manager|k8s.io/kubernetes@v1.36.3"
  [kubectl]="k8s.io/kubernetes/cmd/kubectl|k8s.io/kubernetes@v1.36.3"
  [helm]="helm.sh/helm/v3/cmd/helm|helm.sh/helm/v3@v3.21.4"
)
shift
for name in "${@:-harness helm etcd kube-apiserver kube-controller-manager kubectl}"; do
  for n in $name; do measure "$n" "${what[$n]%%|*}" "${what[$n]#*|}"; done
done
