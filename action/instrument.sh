#!/usr/bin/env bash
# The TraceAssist GitHub Action's step: POST the manifest to /workflow/instrument and write the answer
# back. The file's bytes travel exactly: the JSON string is built by `jq -Rs` (raw input, slurped) and
# the answer written by `jq -j` (raw output, no added newline); nothing goes through echo -e or the
# shell's own quoting. Inputs come from the environment (see action.yml).
set -euo pipefail

# Text for a workflow command: GitHub reads %, CR and LF in it as escapes.
command_text() {
  local text=${1//'%'/%25}
  text=${text//$'\r'/%0D}
  printf '%s' "${text//$'\n'/%0A}"
}
fail() {
  printf '::error::%s\n' "$(command_text "$1")"
  exit 1
}

[[ -n "${TRACEASSIST_HOST:-}" ]] || fail "traceassist_host is required"
[[ -n "${MANIFEST_PATH:-}" ]] || fail "manifest_path is required"
[[ -f "$MANIFEST_PATH" ]] || fail "manifest_path is not a file: $MANIFEST_PATH"
command -v jq >/dev/null || fail "jq is required on the runner"
command -v curl >/dev/null || fail "curl is required on the runner"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

jq -Rs \
  --arg deployment_name "${DEPLOYMENT_NAME:-}" \
  --arg client_repo "${CLIENT_REPO:-}" \
  --arg language "${TRACEASSIST_LANGUAGE:-}" \
  '{manifest_content: .}
   + (if $deployment_name == "" then {} else {deployment_name: $deployment_name} end)
   + (if $client_repo == "" then {} else {client_repo: $client_repo} end)
   + (if $language == "" then {} else {options: {language: $language}} end)' \
  < "$MANIFEST_PATH" > "$work/request.json"

# The token goes in a header file, not on curl's command line (visible in the process list).
: > "$work/headers"
if [[ -n "${TRACEASSIST_TOKEN:-}" ]]; then
  printf '::add-mask::%s\n' "$TRACEASSIST_TOKEN"
  printf 'Authorization: Bearer %s\n' "$TRACEASSIST_TOKEN" > "$work/headers"
fi

status=$(curl --silent --show-error --retry 3 --retry-connrefused --max-time 120 \
  --output "$work/response.json" --write-out '%{http_code}' \
  --header 'Content-Type: application/json' --header @"$work/headers" \
  --data-binary @"$work/request.json" \
  "${TRACEASSIST_HOST%/}/workflow/instrument") || fail "cannot reach $TRACEASSIST_HOST"

if [[ "$status" != 200 ]]; then
  detail=$(jq -r '"\(.code): \(.message)"' "$work/response.json" 2>/dev/null || true)
  fail "TraceAssist answered HTTP $status${detail:+ ($detail)}"
fi
jq -e '(.modified_manifest_content | type) == "string" and (.changes_made | type) == "boolean"' \
  "$work/response.json" > /dev/null || fail "TraceAssist sent an answer this action does not understand"

# Objects that could not be instrumented, as annotations on the run.
jq -r '.warnings[]? | "\(.object // "") \(.code // ""): \(.message // "")"' "$work/response.json" |
  while IFS= read -r warning; do printf '::warning::%s\n' "$(command_text "$warning")"; done

changes_made=$(jq -r '.changes_made' "$work/response.json")
if [[ "$changes_made" == true ]]; then
  jq -j '.modified_manifest_content' "$work/response.json" > "$work/manifest"
  cat "$work/manifest" > "$MANIFEST_PATH"  # in place: keeps the file's mode and owner
fi
printf 'changes_made=%s\n' "$changes_made" >> "${GITHUB_OUTPUT:-/dev/null}"
printf 'TRACEASSIST_CHANGES_MADE=%s\n' "$changes_made" >> "${GITHUB_ENV:-/dev/null}"
printf 'TraceAssist: %s changes_made=%s\n' "$MANIFEST_PATH" "$changes_made"
