#!/usr/bin/env bash
# The Dockerfile, checked without a Docker engine:
#  - its shape: bookworm build stage, debian:bookworm-slim runtime, a fixed numeric non-root USER equal to
#    the runAsUser of k8s/ and of the chart's values, EXPOSE 8000 8443, HEALTHCHECK through `traceassist healthcheck`;
#  - its runtime packages against the built binary: every library `ldd` reports is owned (dpkg -S) by a
#    package the runtime stage installs, by one of their dependencies, or by the slim base image (Essential
#    or Priority: required); and every package it installs owns at least one of those libraries.
# Usage: deploy_image.sh PATH-TO-traceassist
set -euo pipefail
source "$(dirname "$0")/../deploy/setup.sh"
binary="${1:-}"
dockerfile="$SOURCE_DIR/Dockerfile"
fail() { echo "FAIL: $*"; exit 1; }

# --- Shape ------------------------------------------------------------------------------------------
# Logical lines (continuations joined), comments dropped.
mapfile -t lines < <(sed -e 's/^[[:space:]]*#.*$//' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' | grep -v '^[[:space:]]*$')
froms=(); for l in "${lines[@]}"; do [[ "$l" =~ ^FROM[[:space:]] ]] && froms+=("$l"); done
[[ ${#froms[@]} -ge 2 ]] || fail "Dockerfile must be multi-stage"
[[ "${froms[0]}" =~ ^FROM[[:space:]]+debian:bookworm[[:space:]]+AS[[:space:]]+build$ ]] || fail "first stage must be 'FROM debian:bookworm AS build', is '${froms[0]}'"
[[ "${froms[-1]}" =~ ^FROM[[:space:]]+debian:bookworm-slim$ ]] || fail "runtime stage must be 'FROM debian:bookworm-slim', is '${froms[-1]}'"
runtime=(); in_runtime=0
for l in "${lines[@]}"; do
  [[ "$l" == "${froms[-1]}" ]] && in_runtime=1
  [[ $in_runtime == 1 ]] && runtime+=("$l")
done
user_line="$(printf '%s\n' "${runtime[@]}" | grep -E '^USER ' | tail -1 || true)"
[[ "$user_line" =~ ^USER[[:space:]]+([0-9]+)(:[0-9]+)?$ ]] || fail "runtime stage needs a numeric 'USER uid[:gid]', has '$user_line'"
uid="${BASH_REMATCH[1]}"
[[ "$uid" -ne 0 ]] || fail "USER must not be root"
# The chart's default lives in values.yaml (podSecurityContext), which the deployment template renders.
for f in "$SOURCE_DIR/k8s/deployment.yaml" "$SOURCE_DIR/helm/traceassist/values.yaml"; do
  grep -qE "runAsUser: $uid\$" "$f" || fail "$f does not run as the image's UID $uid"
done
expose="$(printf '%s\n' "${runtime[@]}" | grep -E '^EXPOSE ' | tr '\n' ' ')"
for p in 8000 8443; do [[ " $expose " =~ [[:space:]]$p(/tcp)?[[:space:]] ]] || fail "EXPOSE lacks $p"; done
printf '%s\n' "${runtime[@]}" | grep -qE '^HEALTHCHECK .*CMD \["(/usr/local/bin/)?traceassist", *"healthcheck"' ||
  fail "HEALTHCHECK must run [\"traceassist\", \"healthcheck\"] (the slim image has no curl)"
echo "ok Dockerfile shape: build on bookworm, runtime bookworm-slim, USER $uid, EXPOSE 8000 8443, HEALTHCHECK traceassist healthcheck"

# Packages the runtime stage installs: the words after `apt-get install` up to the end of that command.
mapfile -t installed < <(printf '%s\n' "${runtime[@]}" | grep -E '^RUN ' |
  grep -oE 'apt-get install[^&;|]*' | sed 's/apt-get install//' | tr ' ' '\n' | grep -vE '^(-.*)?$' | sort -u)
[[ ${#installed[@]} -gt 0 ]] || fail "the runtime stage installs no packages"
echo "runtime packages: ${installed[*]}"

# --- Libraries of the built binary ------------------------------------------------------------------
[[ -x "$binary" ]] || skip "the traceassist binary '$binary' is not built"
# The image runs `serve`, `healthcheck` (HEALTHCHECK), `certs` (docker-compose) and `analytics summary`;
# a binary without one of them is a partial build whose libraries say nothing about the image.
help="$("$binary" --help 2>&1 || true)"
missing=()
for cmd in serve healthcheck certs analytics; do grep -qE "^  $cmd( |$)" <<<"$help" || missing+=("$cmd"); done
[[ ${#missing[@]} -eq 0 ]] || skip "the binary has no '${missing[*]}' subcommand(s) yet (those parts are not merged); the image needs them"
{ command -v ldd && command -v dpkg; } >/dev/null || skip "ldd/dpkg not available (not a Debian machine)"
# Both executables the image installs: `traceassist` and the traceassist-server it execs.
server="$(dirname "$binary")/traceassist-server"
[[ -x "$server" ]] || fail "traceassist-server is not built beside $binary"
ldd_out=""
for b in "$binary" "$server"; do
  if out="$(ldd "$b" 2>&1)"; then
    ldd_out+="$out"$'\n'
  elif grep -q 'not a dynamic executable' <<<"$out"; then
    echo "$(basename "$b"): statically linked, no runtime libraries"
  else
    skip "ldd failed: $out"
  fi
done
if grep -qE 'lib(asan|ubsan|tsan|lsan)' <<<"$ldd_out"; then skip "sanitizer build; the image is built without sanitizers"; fi
if grep -q 'not found' <<<"$ldd_out"; then fail "unresolved libraries: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t' ' ')"; fi
# (ldd heads each binary's list with "PATH:", which is not a library.)
mapfile -t libs < <(awk '/=>/ && $3 ~ /^\// {print $3} !/=>/ && $1 ~ /^\// && $1 !~ /:$/ {print $1}' <<<"$ldd_out" |
  sort -u)

# Owners of every library, from one dpkg -S over every spelling of each path (merged /usr: a file
# installed as /usr/lib/... is loaded as /lib/..., and the other way round).
declare -A owner_of=()
candidates=()
for lib in "${libs[@]}"; do
  real="$(readlink -f "$lib")"
  candidates+=("$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}")
done
while IFS= read -r line; do
  pkg="${line%%:*}"; path="${line##*: }"
  owner_of[$path]="$pkg"
done < <(dpkg -S "${candidates[@]}" 2>/dev/null | grep -v '^diversion' || true)
owner() {
  local real; real="$(readlink -f "$1")"
  for c in "$1" "$real" "/usr$1" "/usr$real" "${1#/usr}" "${real#/usr}"; do
    [[ -n "${owner_of[$c]:-}" ]] && { echo "${owner_of[$c]}"; return; }
  done
  return 0
}

# Everything apt brings in with the listed packages: their Depends/Pre-Depends, transitively.
declare -A closure=() via=()
queue=()
for p in "${installed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    fail "runtime package $p is not installed on this build machine (misspelt? the -dev packages pull it in)"
  closure[$p]=1; via[$p]="listed"; queue+=("$p")
done
while [[ ${#queue[@]} -gt 0 ]]; do
  p="${queue[0]}"; queue=("${queue[@]:1}")
  deps="$(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$p" 2>/dev/null || true)"
  for d in $(tr ',|' '\n\n' <<<"$deps" | sed -E 's/\(.*\)//; s/:any//; s/^[[:space:]]+//; s/[[:space:]]+$//' | grep -v '^$'); do
    [[ -n "${closure[$d]:-}" ]] && continue
    closure[$d]=1; via[$d]="dependency of $p"; queue+=("$d")
  done
done
declare -A base=()
while read -r pkg essential priority; do
  [[ "$essential" == yes || "$priority" == required ]] && base[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n')

declare -A used=()
problems=0
for lib in "${libs[@]}"; do
  pkg="$(owner "$lib")"
  if [[ -z "$pkg" ]]; then echo "FAIL: $lib belongs to no Debian package"; problems=$((problems + 1)); continue; fi
  if [[ -n "${closure[$pkg]:-}" ]]; then how="${via[$pkg]}"
  elif [[ -n "${base[$pkg]:-}" ]]; then how="in debian:bookworm-slim (required)"
  else echo "FAIL: $lib is in $pkg, which the runtime stage does not install"; problems=$((problems + 1)); continue
  fi
  used[$pkg]=1
  printf '  %-45s %-22s %s\n' "$lib" "$pkg" "$how"
done
for p in "${installed[@]}"; do
  # Data, not a library: the CA store libcurl verifies registries with (image inspection, issue 16).
  [[ $p == ca-certificates ]] && continue
  [[ -n "${used[$p]:-}" ]] || { echo "FAIL: the runtime stage installs $p, but the binary loads none of its libraries"; problems=$((problems + 1)); }
done
[[ $problems -eq 0 ]] || exit 1
echo "deploy_image: ${#libs[@]} libraries of traceassist and traceassist-server, all provided by the runtime stage; every runtime package needed"
