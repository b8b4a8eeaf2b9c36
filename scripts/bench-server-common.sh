# Shared by scripts/bench-server.sh and scripts/bench-server-ab.sh (sourced, not run): the feed
# they load, their temporary directory, a server started and stopped, a private PostgreSQL.
# The caller sets `root` (the checkout) and `shared` (../shared/data) first.

# bench_setup NAME PG-PORT: sets feed, tmp, pg_dir, pg_port; removes them and stops the server
# and PostgreSQL on exit. PG-PORT lies below Linux's ephemeral ports (32768-60999): there, one of
# the load generator's own connections could hold it when PostgreSQL starts (seen once, in an
# A/B's second backend).
bench_setup() {
  feed=$root/data/almalinux-osv.jsonl.zst
  [ -d "$shared/almalinux-osv" ] && feed=$shared/almalinux-osv
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/fleetpatch-$1.XXXXXX")
  chmod 755 "$tmp"
  server_pid=
  pg_dir=$tmp/pg
  pg_port=$2
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -d "$pg_dir" ] && "$root/scripts/test-postgres.sh" stop "$pg_dir" "$pg_port" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}

# start_server FLEETPATCH DATA-DIR LOG [SERVE-ARGS...]: `serve` on a free port of 127.0.0.1,
# waits until it answers; sets port and server_pid.
start_server() {
  local fleetpatch=$1 data=$2 log=$3
  shift 3
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$fleetpatch" --data-dir "$data" serve --listen "127.0.0.1:$port" --rate-limit 0 "$@" >>"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

# start_postgres DATABASE...: a private PostgreSQL 15 in pg_dir on pg_port, configured as
# docs/store.md recommends for a fleet server (fsync and synchronous_commit stay on), with these
# databases created. Returns 1 when PostgreSQL 15 is not installed.
start_postgres() {
  [ -x /usr/lib/postgresql/15/bin/initdb ] || return 1
  # Called as an `if` condition, where `set -e` does not stop the script: failures exit here.
  PG_TUNING=fleet "$root/scripts/test-postgres.sh" start "$pg_dir" "$pg_port" >/dev/null || exit 1
  local db
  for db in "$@"; do
    psql "postgresql://fleetpatch@127.0.0.1:$pg_port/fleetpatch_test" -qc "CREATE DATABASE $db" ||
      exit 1
  done
}
