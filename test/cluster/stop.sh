#!/usr/bin/env bash
# Stops the cluster start.sh started: stop.sh STATE_DIR. Its etcd data stays in STATE_DIR/etcd.
state=${1:?usage: stop.sh STATE_DIR}
[[ -f $state/up.pid ]] || exit 0
pid=$(cat "$state/up.pid")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$state/up.pid"
echo "cluster: stopped"
