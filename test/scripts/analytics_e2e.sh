#!/usr/bin/env bash
# End to end: `traceassist serve` with analytics on a throwaway PostgreSQL.
#  - every POST /workflow/instrument is exactly one row (probes and metrics none), no caller text;
#  - PostgreSQL killed (pg_ctl stop -m immediate) mid-load: every request still answers 200, /ready
#    says analytics "degraded" but stays 200, and after the restart every event is in the table;
#  - SIGTERM with events queued and the database down: the server reconnects while draining and
#    the events are in the table after it exits.
#   bash analytics_e2e.sh <path-to-traceassist-binary>
set -uo pipefail
binary=${1:?usage: analytics_e2e.sh <traceassist binary>}
source_dir=${TRACEASSIST_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# A PostgreSQL of its own (it stops and starts it): never one shared with parallel tests.
if [[ -z "${TRACEASSIST_ANALYTICS_E2E_OWN_PG:-}" ]]; then
  TRACEASSIST_ANALYTICS_E2E_OWN_PG=1 exec bash "$source_dir/scripts/with-postgres.sh" bash "$0" "$@"
fi
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done
if ! "$binary" serve --help >/dev/null 2>&1; then
  echo "SKIP: this traceassist has no serve command" >&2
  exit 77
fi
psql="$TRACEASSIST_TEST_PG_BINDIR/psql"
pg_ctl="$TRACEASSIST_TEST_PG_CTL"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null
  "$pg_ctl" start >/dev/null 2>&1  # leave the server up for whoever runs next
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [[ -f "$work/server.log" ]] && tail -20 "$work/server.log" >&2; exit 1; }

"$psql" -qAt "$TRACEASSIST_TEST_DATABASE_URL" -c "CREATE DATABASE analytics_e2e" || fail "createdb"
url="${TRACEASSIST_TEST_DATABASE_URL%/*}/analytics_e2e"
count() { "$psql" -qAt "$url" -c "SELECT count(*) FROM usage_events" 2>/dev/null || echo -1; }
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
rows_are() { [[ $(count) == "$1" ]]; }
metric_is() { [[ $(metric "$1") == "$2" ]]; }
wait_for() {  # wait_for SECONDS COMMAND...: polls until COMMAND succeeds
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.05; done
}

manifest='apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-secret
  namespace: team-secret
spec:
  template:
    spec:
      containers:
      - name: app
        image: registry.acme-secret.example/payments:1.0
        env:
        - name: JAVA_TOOL_OPTIONS
          value: "-Xmx512m"
'
jq -n --arg m "$manifest" \
  '{manifest_content: $m, client_repo: "github.com/acme-secret/payments", deployment_name: "payments-secret"}' \
  >"$work/body.json"
post() {  # post N: sends N requests, fails unless every one answers 200
  local i code
  for ((i = 0; i < $1; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary @"$work/body.json" "http://127.0.0.1:$port/workflow/instrument")
    [[ "$code" == 200 ]] || fail "request answered $code"
  done
}

DATABASE_URL="$url" TRACEASSIST_ANALYTICS_KEY=e2e-key-0123456789abcdef0123456789 \
  TRACEASSIST_DRAIN_TIMEOUT_S=20 "$binary" serve --bind 127.0.0.1 --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
wait_for 10 grep -q '"msg":"listening"' "$work/server.log" || fail "the server did not start"
port=$(grep -o '"msg":"listening".*' "$work/server.log" | grep -o '"port":[0-9]*' | head -1 | cut -d: -f2)
wait_for 10 bash -c "curl -s http://127.0.0.1:$port/ready | grep -q '\"analytics\":\"ok\"'" ||
  fail "analytics not ok: $(curl -s "http://127.0.0.1:$port/ready")"

# 1. One row per API call; none for probes and metrics; nothing identifying.
post 40
for _ in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$port/health"; curl -s -o /dev/null "http://127.0.0.1:$port/ready"; curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; done
wait_for 10 metric_is traceassist_analytics_written_total 40 || fail "written_total $(metric traceassist_analytics_written_total) != 40"
[[ $(count) == 40 ]] || fail "rows $(count) != 40 requests"
leaks=$("$psql" -qAt "$url" -c "SELECT count(*) FROM usage_events u WHERE u::text ~* '(acme|secret|payments|registry|team-)'")
[[ "$leaks" == 0 ]] || fail "$leaks rows contain caller text"
fields=$("$psql" -qAt "$url" -c "SELECT DISTINCT source, outcome, objects_seen, objects_instrumented, languages, changes_made, manifest_size_bucket, service_version <> '', length(repo_pseudonym), length(deployment_pseudonym) FROM usage_events")
[[ "$fields" == "api|ok|1|1|{java}|t|512|t|64|64" ]] || fail "row fields: $fields"
echo "ok: 40 requests -> $(count) rows with the right fields ($fields), no caller text"

# 2. PostgreSQL killed mid-load.
post 30 &
load=$!
sleep 0.2
"$pg_ctl" stop -m immediate >/dev/null || fail "pg_ctl stop"
wait "$load" || fail "requests failed while PostgreSQL was going down"
post 50
ready=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/ready")
[[ "$ready" == *'"analytics":"degraded"'*' 200' ]] || fail "/ready while the database is down: $ready"
echo "ok: database down, 80 more requests all 200; /ready: $ready"
"$pg_ctl" start >/dev/null || fail "pg_ctl start"
wait_for 15 rows_are 120 || fail "after the restart: $(count) rows != 120 requests"
[[ $(metric traceassist_analytics_dropped_total) == 0 ]] || fail "dropped events"
echo "ok: after the restart all 120 rows are in the table"

# 3. SIGTERM with events queued while the database is down; it comes back during the drain.
"$pg_ctl" stop -m immediate >/dev/null || fail "pg_ctl stop"
post 25
depth=$(metric traceassist_analytics_queue_depth)
[[ "$depth" -gt 0 ]] || fail "nothing queued before SIGTERM (depth $depth)"
kill -TERM "$server_pid"
"$pg_ctl" start >/dev/null || fail "pg_ctl start"
wait "$server_pid"
status=$?
server_pid=""
[[ $status == 0 ]] || fail "serve exited with $status"
[[ $(count) == 145 ]] || fail "after SIGTERM: $(count) rows != 145 requests"
echo "ok: SIGTERM with $depth events queued and the database down: all 145 rows in the table after exit"
