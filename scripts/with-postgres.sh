#!/usr/bin/env bash
# Runs a command next to a throwaway PostgreSQL server: a temp data directory, initdb as a non-root
# user, a free loopback port, a unix socket inside the temp directory. The server is stopped and
# removed afterwards, also when the command fails; the command's exit code is passed through.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Exported to CMD:
#   TRACEASSIST_TEST_DATABASE_URL  postgresql://traceassist@127.0.0.1:PORT/postgres (trust auth)
#   TRACEASSIST_TEST_PG_CTL        a script: `$TRACEASSIST_TEST_PG_CTL stop -m immediate` / `start`
#                                  (runs pg_ctl as the right user, with the right data dir and port)
#   TRACEASSIST_TEST_PG_BINDIR     PostgreSQL's bin directory
#   TRACEASSIST_TEST_PG_DATA       the data directory
# Exit 77 (skip) when PostgreSQL cannot be installed or started, after saying why.
set -uo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
  done
  if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    pg_config --bindir
    return 0
  fi
  return 1
}

bindir=$(find_bindir)
if [[ -z "$bindir" ]]; then
  echo "with-postgres: PostgreSQL not found, installing it from Debian" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
      --no-install-recommends postgresql >/dev/null; } || true
  bindir=$(find_bindir)
  if [[ -z "$bindir" ]]; then
    echo "with-postgres: SKIP: PostgreSQL is not installed and could not be installed" >&2
    exit 77
  fi
fi

tmp=$(mktemp -d /tmp/traceassist-pg.XXXXXX)
data="$tmp/data"
socket_dir="$tmp/socket"
mkdir -p "$data" "$socket_dir"

# initdb refuses to run as root: run the server as `postgres` (or `nobody`) when we are root.
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  chown -R "$user" "$tmp"
  chmod 755 "$tmp"
  run_as=(runuser -u "$user" --)
fi

cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "${run_as[@]}" "$bindir/initdb" -D "$data" -U traceassist --auth=trust -E UTF8 --no-sync \
    >"$tmp/initdb.log" 2>&1; then
  cat "$tmp/initdb.log" >&2
  echo "with-postgres: SKIP: initdb failed" >&2
  exit 77
fi
cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
fsync = off
full_page_writes = off
max_connections = 100
log_min_messages = warning
CONF

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  port=$((20000 + RANDOM % 40000))
  port_free "$port" || continue
  echo "port = $port" >>"$data/postgresql.conf"
  if "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 30 start >/dev/null 2>&1; then
    started=1
    break
  fi
  sed -i '/^port = /d' "$data/postgresql.conf"
done
if [[ $started -ne 1 ]]; then
  tail -20 "$tmp/server.log" >&2 2>/dev/null
  echo "with-postgres: SKIP: the PostgreSQL server did not start" >&2
  exit 77
fi

# A helper the tests call to stop (e.g. `stop -m immediate`) and start the server again.
cat >"$tmp/pg_ctl" <<HELPER
#!/usr/bin/env bash
exec ${run_as[*]} "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 30 "\$@"
HELPER
chmod 755 "$tmp/pg_ctl"

export TRACEASSIST_TEST_DATABASE_URL="postgresql://traceassist@127.0.0.1:$port/postgres"
export TRACEASSIST_TEST_PG_CTL="$tmp/pg_ctl"
export TRACEASSIST_TEST_PG_BINDIR="$bindir"
export TRACEASSIST_TEST_PG_DATA="$data"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

"$@"
status=$?
exit $status
