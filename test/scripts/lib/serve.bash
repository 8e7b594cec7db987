# Sourced by test/scripts/action_*.sh: starts the real `traceassist serve` on a free loopback port.
# start_server BINARY LOG [VAR=value...]: runs it with those environment variables added, waits for
# its "listening" log line, sets `port` and appends the process id to `server_pids`. Exits the
# script with the log shown when it does not start. stop_servers ends every one it started.
server_pids=()
start_server() {
  local binary=$1 log=$2
  shift 2
  env "$@" TRACEASSIST_LOG_LEVEL=info "$binary" serve --bind 127.0.0.1 --port 0 > "$log" 2>&1 &
  server_pids+=($!)
  port=
  for _ in $(seq 1 500); do
    port=$(grep -o '"msg":"listening".*"port":[0-9]*' "$log" | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
    [[ -n "$port" ]] && return 0
    sleep 0.02
  done
  echo "FAIL: server did not start"
  cat "$log"
  exit 1
}
stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; done
  server_pids=()
}
