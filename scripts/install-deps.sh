#!/usr/bin/env bash
# Installs every Debian package TraceAssist needs to build and test. Idempotent: when everything is
# present it only checks (no apt-get update), so a second run takes well under a second.
set -euo pipefail

BUILD_PKGS=(
  cmake g++ make pkg-config
  libyaml-cpp-dev nlohmann-json3-dev libfmt-dev catch2 libcli11-dev libspdlog-dev libbenchmark-dev
  libcpp-httplib-dev libssl-dev libpqxx-dev prometheus-cpp-dev libcurl4-openssl-dev libarchive-dev
)
TEST_PKGS=(
  jq wrk curl openssl postgresql prometheus
  golang-go golang-github-evanphx-json-patch-dev golang-github-ghodss-yaml-dev
  golang-gopkg-yaml.v2-dev
  clang libclang-rt-14-dev clang-format-14 docker-compose python3 python3-yaml time shellcheck
  docker-registry apache2-utils musl-tools zstd
)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${TEST_PKGS[@]}")
  # Node.js may come from another source than Debian; install Debian's only when there is none.
  command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi

SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
avail=()
for p in "${missing[@]}"; do
  if apt-cache show "$p" >/dev/null 2>&1; then avail+=("$p"); else echo "install-deps: $p is not available here; tests that need it will say so and skip" >&2; fi
done
[[ ${#avail[@]} -gt 0 ]] && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${avail[@]}" >/dev/null
