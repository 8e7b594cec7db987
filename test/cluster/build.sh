#!/usr/bin/env bash
# Builds the cluster test tools into OUT_DIR (default: build/cluster): harness (etcd,
# kube-apiserver, kube-controller-manager and kubectl in one binary, with a kubectl symlink), helm
# (helm.sh/helm/v3/cmd/helm) and crds/ (cert-manager's CustomResourceDefinitions, copied from the
# pinned module). Every version comes from go.mod/go.sum; Go's caches stay where they are (~/go/pkg/mod,
# ~/.cache/go-build), so a second build takes seconds. A missing Go or module fails, saying which.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../build/cluster}
source "$here/go-env.sh"
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
cd "$here"
export GOFLAGS=-mod=readonly
echo "cluster build: $(go version) into $out"
go mod download || { echo "FAILED: go mod download (is the Go module proxy reachable?)" >&2; exit 1; }
# The version stamps the upstream builds set with -X (hack/lib/version.sh, helm's Makefile): without them
# the API server reports v0.0.0 (charts' kubeVersion checks fail) and Helm assumes Kubernetes 1.20.
# -s -w: no symbol table or DWARF, which halves the link time of these large binaries.
kube_version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
helm_version=$(go list -m -f '{{.Version}}' helm.sh/helm/v3)
kube_minor=$(echo "$kube_version" | cut -d. -f2)
cb=k8s.io/component-base/version
go build -ldflags "-s -w -X $cb.gitVersion=$kube_version -X $cb.gitMajor=1 -X $cb.gitMinor=$kube_minor -X $cb.gitTreeState=clean" \
  -o "$out/bin/harness" ./harness
hv=helm.sh/helm/v3
go build -ldflags "-s -w -X $hv/internal/version.version=$helm_version -X $hv/internal/version.gitTreeState=clean \
  -X $hv/pkg/lint/rules.k8sVersionMajor=1 -X $hv/pkg/lint/rules.k8sVersionMinor=$kube_minor \
  -X $hv/pkg/chartutil.k8sVersionMajor=1 -X $hv/pkg/chartutil.k8sVersionMinor=$kube_minor" \
  -o "$out/bin/helm" helm.sh/helm/v3/cmd/helm
ln -sf harness "$out/bin/kubectl"
crds=$(go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)/deploy/crds
rm -rf "$out/crds" && mkdir "$out/crds" && cp "$crds"/*.yaml "$out/crds/" && chmod u+w "$out/crds"/*.yaml
# (not `| grep -q`: with pipefail, kubectl's SIGPIPE when grep stops reading early failed this check)
[[ $("$out/bin/kubectl" version --client) == *"Client Version: $kube_version"* ]] || { echo "FAILED: kubectl does not report $kube_version" >&2; exit 1; }
"$out/bin/helm" version --short
echo "cluster build: done"
