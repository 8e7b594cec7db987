#!/usr/bin/env bash
# The TraceAssist GitHub Action's step (see action.yml at the repository root): one POST to
# /workflow/instrument per manifest file, then write the answer back (mode write) or fail when a
# file would change (mode check); a job summary, annotations at the object's or container's line,
# outputs and a combined JSON report. Needs bash 4+, curl and jq (all on GitHub's Ubuntu runners).
#
# File bytes travel exactly: the JSON string is built by `jq -Rs` and checked to hold the file's
# bytes, the answer is written by `jq -j`; nothing goes through echo -e or the shell's quoting.
# Inputs come from the environment only, never spliced into script text.
# shellcheck disable=SC2016  # the jq programs are single-quoted on purpose
# shellcheck disable=SC2016  # the jq programs are single-quoted on purpose
set -euo pipefail
shopt -s globstar nullglob

readonly VERSION=1.0.0  # sent as User-Agent; the v1 / v1.x.y tags carry this version
readonly MAX_ATTEMPTS=4

# Text for a workflow command message: GitHub reads %, CR and LF in it as escapes.
command_text() {
  local text=${1//'%'/%25}
  text=${text//$'\r'/%0D}
  printf '%s' "${text//$'\n'/%0A}"
}
# A workflow command property (file=, title=): also ':' and ','.
command_property() {
  local text
  text=$(command_text "$1")
  text=${text//:/%3A}
  printf '%s' "${text//,/%2C}"
}
fail() {
  printf '::error::%s\n' "$(command_text "$1")"
  exit 1
}
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

[[ -n "${TRACEASSIST_HOST:-}" ]] || fail "traceassist_host is required"
mode=${TRACEASSIST_MODE:-write}
[[ "$mode" == write || "$mode" == check ]] || fail "mode must be write or check, not '$mode'"
command -v jq > /dev/null || fail "jq is required on the runner"
command -v curl > /dev/null || fail "curl is required on the runner"

# --- the options object, from inputs that are set (unset ones leave the server's defaults)
for name in enable_go enable_nginx init_containers inspect_images_option; do
  var=TRACEASSIST_${name^^}
  [[ "${!var:-}" =~ ^(true|false|)$ ]] || fail "$name must be true or false, not '${!var}'"
done
# Space/newline-separated lists, split with pathname expansion off.
set -f
# shellcheck disable=SC2206
pairs=(${TRACEASSIST_CONTAINER_LANGUAGES:-})
# shellcheck disable=SC2206
patterns=(${TRACEASSIST_FILES:-})
set +f
container_languages='{}'
for pair in "${pairs[@]}"; do  # name=language
  pair=${pair%,}
  [[ "$pair" == ?*=?* ]] || fail "container_languages wants name=language pairs, not '$pair'"
  container_languages=$(jq -c --arg n "${pair%%=*}" --arg l "${pair#*=}" '. + {($n): $l}' \
    <<< "$container_languages")
done
options=$(jq -cn \
  --arg language "${TRACEASSIST_LANGUAGE:-}" \
  --argjson container_languages "$container_languages" \
  --arg instrumentation "${TRACEASSIST_INSTRUMENTATION:-}" \
  --arg enable_go "${TRACEASSIST_ENABLE_GO:-}" \
  --arg enable_nginx "${TRACEASSIST_ENABLE_NGINX:-}" \
  --arg init_containers "${TRACEASSIST_INIT_CONTAINERS:-}" \
  --arg inspect_images "${TRACEASSIST_INSPECT_IMAGES_OPTION:-}" \
  '{diff: true}
   + (if $language == "" then {} else {language: $language} end)
   + (if $container_languages == {} then {} else {container_languages: $container_languages} end)
   + (if $instrumentation == "" then {} else {instrumentation: $instrumentation} end)
   + (if $enable_go == "" then {} else {enable_go: ($enable_go == "true")} end)
   + (if $enable_nginx == "" then {} else {enable_nginx: ($enable_nginx == "true")} end)
   + (if $init_containers == "" then {} else {init_containers: ($init_containers == "true")} end)
   + (if $inspect_images == "" then {} else {inspect_images: ($inspect_images == "true")} end)')

# --- the files: manifest_path (one file, as before) and/or glob patterns (`**` spans directories)
declare -A seen=()
files=()
add_file() {
  [[ -n "${seen[$1]:-}" ]] && return
  seen[$1]=1
  files+=("$1")
}
if [[ -n "${MANIFEST_PATH:-}" ]]; then
  [[ -f "$MANIFEST_PATH" ]] || fail "manifest_path is not a file: $MANIFEST_PATH"
  add_file "$MANIFEST_PATH"
fi
for pattern in "${patterns[@]}"; do
  matched=0
  for path in $pattern; do  # expanded here, with globstar and nullglob
    [[ -f "$path" ]] || continue
    add_file "$path"
    matched=1
  done
  ((matched)) || fail "files: the pattern '$pattern' matches no file"
done
((${#files[@]} > 0)) || fail "set manifest_path or files"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
# The token goes in a header file, not on curl's command line (visible in the process list).
: > "$work/auth"
if [[ -n "${TRACEASSIST_TOKEN:-}" ]]; then
  printf '::add-mask::%s\n' "$TRACEASSIST_TOKEN"
  printf 'Authorization: Bearer %s\n' "$TRACEASSIST_TOKEN" > "$work/auth"
fi

header() {  # header NAME FILE -> the last value of that response header
  grep -i "^$1:" "$2" | tail -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//' || true
}

# post FILE -> writes $work/response.json; sets status and server_id; fails the step on
# transport errors, auth errors and 5xx after the retries (429 and 502-504 are retried).
post() {
  local path=$1 attempt rc wait_s our_id
  our_id="traceassist-action-$(random_hex 8)"
  jq -Rs --arg deployment_name "${DEPLOYMENT_NAME:-}" --arg client_repo "${CLIENT_REPO:-}" \
    --argjson options "$options" \
    '{manifest_content: ., options: $options}
     + (if $deployment_name == "" then {} else {deployment_name: $deployment_name} end)
     + (if $client_repo == "" then {} else {client_repo: $client_repo} end)' \
    < "$path" > "$work/request.json"
  # jq reads text: a file that is not UTF-8 (or holds NUL) would reach the server altered.
  cmp -s "$path" <(jq -j '.manifest_content' "$work/request.json") ||
    fail "$path is not UTF-8 text; TraceAssist reads only UTF-8 manifests"
  for ((attempt = 1; ; attempt++)); do
    rc=0
    status=$(curl --silent --show-error --max-time 120 \
      --output "$work/response.json" --dump-header "$work/response.headers" --write-out '%{http_code}' \
      --header 'Content-Type: application/json' --header "X-Request-Id: $our_id" \
      --header "User-Agent: traceassist-action/$VERSION" --header @"$work/auth" \
      --data-binary @"$work/request.json" \
      "${TRACEASSIST_HOST%/}/workflow/instrument" 2> "$work/curl.err") || rc=$?
    server_id=$(header X-Request-Id "$work/response.headers" 2> /dev/null)
    server_id=${server_id:-$our_id}
    local retry=0 what
    if ((rc != 0)); then
      what="cannot reach $TRACEASSIST_HOST ($(tr '\n' ' ' < "$work/curl.err"))"
      [[ $rc == 6 || $rc == 7 || $rc == 28 || $rc == 52 || $rc == 56 ]] && retry=1
    else
      what="HTTP $status"
      [[ $status == 429 || $status == 502 || $status == 503 || $status == 504 ]] && retry=1
    fi
    ((retry && attempt < MAX_ATTEMPTS)) || break
    wait_s=$(header Retry-After "$work/response.headers" 2> /dev/null)
    [[ "$wait_s" =~ ^[0-9]+$ ]] || wait_s=$((attempt * 2))
    ((wait_s <= 30)) || wait_s=30
    printf 'TraceAssist: %s for %s (request id %s); retrying in %ss, attempt %s of %s\n' \
      "$what" "$path" "$server_id" "$wait_s" "$((attempt + 1))" "$MAX_ATTEMPTS"
    sleep "$wait_s"
  done
  ((rc == 0)) || fail "$what (request id $server_id)"
}

# Maps a line of the input to the written file through the unified diff's insertions.
readonly MAP_LINE='def insertions: reduce (split("\n")[]) as $l ({old: 0, hunk: false, at: []};
    if ($l | startswith("@@ -")) then
      .hunk = true | .old = (($l | capture("^@@ -(?<a>[0-9]+)").a | tonumber) - 1)
    elif .hunk and ($l | startswith("+")) then .at += [.old]
    elif .hunk and (($l | startswith(" ")) or ($l | startswith("-"))) then .old += 1
    else . end) | .at;
  def map_line($diff; $write):
    if $write and . > 0 then . as $n | $n + ([($diff // "") | insertions[] | select(. < $n)] | length)
    else . end;'

summary_rows=$work/rows.md
summary_diffs=$work/diffs.md
: > "$summary_rows"
: > "$summary_diffs"
echo '[]' > "$work/reports.json"
changed=0
failed=0
write=$([[ "$mode" == write ]] && echo true || echo false)

for path in "${files[@]}"; do
  post "$path"
  if [[ "$status" == 400 ]] && jq -e '.code == "invalid_yaml"' "$work/response.json" > /dev/null 2>&1; then
    # This file is not YAML TraceAssist can read; report it where it is and go on with the others.
    line=$(jq -r '.line // 0' "$work/response.json")
    message=$(jq -r '.message' "$work/response.json")
    printf '::error file=%s,line=%s,title=%s::%s\n' "$(command_property "$path")" "$line" \
      "TraceAssist invalid_yaml" "$(command_text "$message (request id $server_id)")"
    jq --arg path "$path" --arg id "$server_id" --slurpfile r "$work/response.json" \
      '. + [{path: $path, request_id: $id, error: $r[0]}]' "$work/reports.json" > "$work/next.json"
    mv "$work/next.json" "$work/reports.json"
    jq -rn --arg path "$path" --arg message "$message" \
      'include "escape"; "| \($path | cell) | | failed | | \("invalid_yaml: " + $message | cell) |"' \
      -L "$GITHUB_ACTION_PATH/action" >> "$summary_rows"
    failed=$((failed + 1))
    continue
  fi
  if [[ "$status" != 200 ]]; then
    detail=$(jq -r '"\(.code): \(.message)"' "$work/response.json" 2> /dev/null || true)
    fail "TraceAssist answered HTTP $status for $path${detail:+ ($detail)} (request id $server_id)"
  fi
  jq -e '(.modified_manifest_content | type) == "string" and (.changes_made | type) == "boolean"' \
    "$work/response.json" > /dev/null ||
    fail "TraceAssist sent an answer this action does not understand for $path (request id $server_id)"
  # The diff names the file instead of the API's a/manifest and b/manifest.
  jq --arg path "$path" '.diff |= (if type == "string" then
      sub("^--- a/manifest\n[+][+][+] b/manifest\n"; "--- a/\($path)\n+++ b/\($path)\n") else "" end)' \
    "$work/response.json" > "$work/next.json"
  mv "$work/next.json" "$work/response.json"

  # Annotations: every warning at its line; in check mode, every object that would change.
  jq -r --arg path "$path" --argjson write "$write" --arg mode "$mode" \
    -L "$GITHUB_ACTION_PATH/action" "include \"escape\"; $MAP_LINE"'
    .diff as $diff
    | (.warnings[] | {level: "warning", line: (.line // 0), title: "TraceAssist \(.code) (\(.object))",
                      text: .message}),
      (if $mode == "check" then
         .objects[] | select(.status == "instrumented" or .status == "uninstrumented")
         | {level: "error", line: (.line // 0), title: "TraceAssist check (\(.kind | ascii_downcase)/\(.name))",
            text: "would \(if .status == "instrumented" then "add" else "remove" end) \(
              (.annotations_added | keys) + .annotations_removed | join(", "))"}
       else empty end)
    | (.line | map_line($diff; $write)) as $line
    | "::\(.level) file=\($path | property)\(if $line > 0 then ",line=\($line)" else "" end),title=\(
        .title | property)::\(.text | message)"' \
    "$work/response.json"

  # Summary rows: one per object (or one for a file without workloads).
  jq -r --arg path "$path" -L "$GITHUB_ACTION_PATH/action" 'include "escape";
    if (.objects | length) == 0 then "| \($path | cell) | | no workload | | |"
    else .objects[] | "| \($path | cell) | \("\(.kind | ascii_downcase)/\(.name)" | cell) | \(.status) | \(
      [.containers[] | select(.instrumented) | "\(.name): \(.language)"] | join(", ") | cell) | \(
      if (.reasons | length) > 0 then .reasons | join(", ")
      else [.containers[] | select(.instrumented) | .evidence[0] // empty] | join("; ") end | cell) |"
    end' "$work/response.json" >> "$summary_rows"

  jq --arg path "$path" --arg id "$server_id" \
    --slurpfile r <(jq 'del(.modified_manifest_content, .diff)' "$work/response.json") \
    '. + [{path: $path, request_id: $id} + $r[0]]' "$work/reports.json" > "$work/next.json"
  mv "$work/next.json" "$work/reports.json"

  if [[ "$(jq -r '.changes_made' "$work/response.json")" == true ]]; then
    changed=$((changed + 1))
    # The diff in the log, with workflow commands off so manifest text cannot issue any.
    token=$(random_hex 16)
    printf '::stop-commands::%s\n' "$token"
    jq -j '.diff' "$work/response.json"
    printf '::%s::\n' "$token"
    jq -r --arg path "$path" -L "$GITHUB_ACTION_PATH/action" 'include "escape";
      (.diff | split("\n") | length) as $n
      | "<details\(if $n > 30 then "" else " open" end)><summary>\($path | html): \(
          [.diff | split("\n")[] | select(startswith("+") and (startswith("+++") | not))] | length
        ) line(s) added</summary>\n\n<pre>\(.diff | html)</pre>\n</details>\n"' \
      "$work/response.json" >> "$summary_diffs"
    if [[ "$mode" == write ]]; then
      jq -j '.modified_manifest_content' "$work/response.json" > "$work/manifest"
      cat "$work/manifest" > "$path"  # in place: keeps the file's mode and owner
    fi
  fi
  printf 'TraceAssist: %s changes_made=%s (request id %s)\n' "$path" \
    "$(jq -r '.changes_made' "$work/response.json")" "$server_id"
done

report=$(mktemp -p "${RUNNER_TEMP:-${TMPDIR:-/tmp}}" traceassist-report-XXXXXX.json)
jq --arg mode "$mode" '{mode: $mode, changes_made: any(.[]; .changes_made == true), files: .}' \
  "$work/reports.json" > "$report"

changes_made=$( ((changed > 0)) && echo true || echo false)
{
  echo "changes_made=$changes_made"
  echo "files_changed=$changed"
  echo "report=$report"
} >> "${GITHUB_OUTPUT:-/dev/null}"
printf 'TRACEASSIST_CHANGES_MADE=%s\n' "$changes_made" >> "${GITHUB_ENV:-/dev/null}"

verb=$([[ "$mode" == write ]] && echo "changed" || echo "would change")
{
  printf '## TraceAssist (%s mode)\n\n' "$mode"
  printf '%s of %s file(s) %s.\n\n' "$changed" "${#files[@]}" "$verb"
  printf '| File | Object | Status | Language | Evidence or reason |\n|---|---|---|---|---|\n'
  cat "$summary_rows"
  [[ -s "$summary_diffs" ]] && printf '\n' && cat "$summary_diffs"
} >> "${GITHUB_STEP_SUMMARY:-/dev/null}"

((failed == 0)) || fail "$failed file(s) could not be read as YAML"
if [[ "$mode" == check ]] && ((changed > 0)); then
  fail "$changed file(s) would change: run TraceAssist in write mode (or add the annotations) and commit"
fi
echo "TraceAssist: $changed of ${#files[@]} file(s) $verb"
