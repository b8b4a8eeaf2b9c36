#!/usr/bin/env bash
# A private, throw-away PostgreSQL for the store tests (the ctest fixture postgres_start /
# postgres_stop in src/store/CMakeLists.txt calls this):
#
#   scripts/test-postgres.sh start DIR PORT   # initdb in DIR, listen on 127.0.0.1:PORT only
#   scripts/test-postgres.sh stop  DIR PORT   # stop the server and remove DIR
#
# The server listens on 127.0.0.1 only, keeps its unix sockets in DIR (never /var/run), trusts
# local connections, and has a superuser role `fleetpatch` owning the database fleetpatch_test:
#   postgresql://fleetpatch@127.0.0.1:PORT/fleetpatch_test
# fsync stays on: the durability tests rely on acknowledged commits surviving a SIGKILL.
# PG_TUNING=fleet (make bench-server) configures it the way docs/store.md recommends for a fleet
# server instead of the small defaults: 2 GB of shared buffers, 8 GB of WAL between checkpoints,
# lz4 WAL compression. fsync and synchronous_commit stay on either way.
#
# initdb and postgres refuse to run as root. When we are root (CI), DIR is owned by the
# `postgres` system user (Debian's postgresql package creates it) and the binaries run through
# runuser. PG_BINDIR overrides where the binaries are looked up.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR PORT" >&2
  exit 2
}
[ $# -eq 3 ] || usage
action=$1
dir=$2
port=$3
case "$action" in start | stop) ;; *) usage ;; esac
case "$port" in '' | *[!0-9]*) echo "test-postgres: PORT must be a number, got '$port'" >&2; exit 2 ;; esac
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
# Refuse obviously dangerous directories: stop removes DIR recursively.
case "$dir" in / | /tmp | /tmp/ | /work | /work/ | "$HOME" | "$HOME/") echo "test-postgres: refusing DIR=$dir" >&2; exit 2 ;; esac

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    echo "$PG_BINDIR"
    return
  fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  # Another Debian major version, newest first; else whatever is on PATH.
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$d/initdb" ]; then
      echo "$d"
      return
    fi
  done
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  echo "test-postgres: no PostgreSQL server binaries (initdb, pg_ctl) found; install Debian's" \
    "postgresql package (scripts/install-deps.sh) or set PG_BINDIR" >&2
  exit 1
}
bindir=$(find_bindir)

data="$dir/data"
log="$dir/server.log"
# Unix socket paths are limited to ~107 bytes; a deep build tree gets a short socket directory
# under /tmp instead, remembered in DIR so that stop can remove it.
sock="$dir/run"
if [ $((${#sock} + 20)) -gt 100 ]; then
  sock=""
fi

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  if ! getent passwd postgres >/dev/null; then
    echo "test-postgres: running as root needs the 'postgres' system user (install Debian's" \
      "postgresql package: scripts/install-deps.sh)" >&2
    exit 1
  fi
  as_pg=(runuser -u postgres --)
fi
pg() { "${as_pg[@]}" "$@"; }

log_tail() {
  if [ -f "$log" ]; then
    echo "---- last lines of $log ----" >&2
    tail -n 40 "$log" >&2 || true
    echo "----" >&2
  fi
}

# Stops a server running on $data (if any) and removes DIR and its socket directory.
teardown() {
  if [ -f "$data/postmaster.pid" ]; then
    # fast: roll back sessions, checkpoint, exit. immediate when that does not finish.
    if ! pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1; then
      pg "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    # A postmaster that is still alive (pg_ctl could not signal it) must not outlive DIR.
    local pid
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
      [ "$(readlink "/proc/$pid/cwd" 2>/dev/null || true)" = "$data" ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ -f "$dir/socket_dir" ]; then
    local s
    s=$(cat "$dir/socket_dir")
    case "$s" in /tmp/fleetpatch-pg.*) rm -rf "$s" ;; esac
  fi
  rm -rf "$dir"
}

if [ "$action" = stop ]; then
  teardown
  exit 0
fi

# ---- start ----------------------------------------------------------------------------------
# A server left by an earlier, killed run on this DIR goes first.
teardown

# Somebody else on the port (another build tree's test server) would make our tests talk to
# the wrong database: fail instead.
if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1; then
  echo "test-postgres: something already accepts connections on 127.0.0.1:$port (another test" \
    "server?); configure a free port with -DFLEETPATCH_TEST_PG_PORT=N" >&2
  exit 1
fi

mkdir -p "$dir"
if [ -z "$sock" ]; then
  sock=$(mktemp -d /tmp/fleetpatch-pg.XXXXXX)
  echo "$sock" >"$dir/socket_dir"
else
  mkdir -p "$sock"
fi
if [ ${#as_pg[@]} -gt 0 ]; then
  chown -R postgres: "$dir" "$sock"
  if ! pg test -w "$dir"; then
    echo "test-postgres: the postgres user cannot write $dir (a parent directory is not" \
      "searchable by it); put the build tree elsewhere" >&2
    exit 1
  fi
fi

# -U fleetpatch: the bootstrap superuser is the role the tests connect as. --no-sync only
# affects initdb's own files; the server below keeps fsync on.
if ! pg "$bindir/initdb" -D "$data" -U fleetpatch --auth=trust -E UTF8 --locale=C --no-sync \
  >"$dir/initdb.log" 2>&1; then
  echo "test-postgres: initdb failed:" >&2
  tail -n 40 "$dir/initdb.log" >&2
  exit 1
fi

cat >>"$data/postgresql.conf" <<EOF

# scripts/test-postgres.sh: a private test server
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 200
shared_buffers = 32MB
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_min_messages = warning
EOF
if [ "${PG_TUNING:-}" = fleet ]; then
  cat >>"$data/postgresql.conf" <<EOF
# PG_TUNING=fleet: docs/store.md "PostgreSQL settings for a fleet"
shared_buffers = 2GB
max_wal_size = 8GB
checkpoint_timeout = 15min
wal_buffers = 64MB
wal_compression = lz4
EOF
fi

if ! pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null 2>&1; then
  echo "test-postgres: the server did not start on 127.0.0.1:$port" >&2
  log_tail
  exit 1
fi

ready=false
for _ in $(seq 1 100); do
  if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U fleetpatch -t 2; then
    ready=true
    break
  fi
  sleep 0.1
done
if ! $ready; then
  echo "test-postgres: the server does not accept connections on 127.0.0.1:$port" >&2
  log_tail
  exit 1
fi

if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U fleetpatch fleetpatch_test 2>"$dir/createdb.log"; then
  echo "test-postgres: createdb fleetpatch_test failed:" >&2
  cat "$dir/createdb.log" >&2
  log_tail
  exit 1
fi
echo "test-postgres: ready at postgresql://fleetpatch@127.0.0.1:$port/fleetpatch_test ($dir)"
