#!/usr/bin/env bash
# `make bench-server`: the fleet server's figures (issue 7), for each store backend.
#   scripts/bench-server.sh BUILD_DIR   (a Release build configured with -DFLEETPATCH_BENCH=ON)
#
#  (a) sustained accepted reports per second over SERVER_CONNECTIONS (64) keep-alive connections,
#      p50/p99 latency, against a server with the feed's index loaded: full reports (~600
#      packages, each send a changed report, each evaluated and its ledger updated), then the
#      agent's "unchanged" marker       targets >= 2,000 full/s, >= 20,000 unchanged/s (2 cores)
#  (b) re-evaluation of REEVAL_HOSTS (300,000) stored hosts after each of 3 feed updates (median)
#                                                                            target <= 60 s
# SQLite always; PostgreSQL too when its binaries are installed (a private server on 127.0.0.1,
# scripts/test-postgres.sh). Knobs: SERVER_SECONDS (15), SERVER_HOSTS (2000),
# SERVER_CONNECTIONS (64), SERVER_THREADS (128 handler threads), REEVAL_HOSTS (300000),
# BENCH_QUICK=1 (5 s phases, 20,000 hosts re-evaluated).
set -euo pipefail

build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${FLEETPATCH_SHARED_DATA:-$root/../shared/data}
seconds=${SERVER_SECONDS:-15}
hosts=${SERVER_HOSTS:-2000}
connections=${SERVER_CONNECTIONS:-64}
threads=${SERVER_THREADS:-128}
reeval_hosts=${REEVAL_HOSTS:-300000}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  seconds=5
  reeval_hosts=20000
fi
fleetpatch=$build/fleetpatch
for bin in "$fleetpatch" "$build/bench/server_load" "$build/bench/reeval_bench"; do
  [ -x "$bin" ] || { echo "bench-server: $bin is missing: build $build with -DFLEETPATCH_BENCH=ON" >&2; exit 1; }
done
. "$root/scripts/bench-server-common.sh"
bench_setup bench-server 25499
echo "inputs: $feed"

run_backend() {  # NAME DATABASE-URL-or-empty
  local name=$1 database=$2 data=$tmp/data-$1
  local db_args=()
  [ -n "$database" ] && db_args=(--database "$database")
  mkdir -p "$data"
  # A server with its advisory index loaded, as in production: every full report is evaluated
  # (matched, its findings ledger updated) before it is acknowledged.
  "$fleetpatch" --data-dir "$data" feed import "$feed" >/dev/null
  token=$("$fleetpatch" --data-dir "$data" token create --name bench --role operator "${db_args[@]}" |
          grep -o 'fpt_[A-Za-z0-9_-]*')
  start_server "$fleetpatch" "$data" "$tmp/server-$name.log" --threads "$threads" "${db_args[@]}"
  echo "== $name: server_load, $connections connections, $seconds s per phase"
  # The server's own CPU per accepted report (both phases and the priming together), which does
  # not depend on how much of the machine the load generator takes.
  local cpu_before
  cpu_before=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  FLEETPATCH_TOKEN=$token "$build/bench/server_load" --url "http://127.0.0.1:$port" --feed "$feed" \
    --hosts "$hosts" --connections "$connections" --seconds "$seconds" --mode both |
    tee "$tmp/load-$name.txt"
  awk -v before="$cpu_before" -v ticks="$(getconf CLK_TCK)" '{printf "server CPU during the load: %.1f s\n", ($14 + $15 - before) / ticks}' \
    "/proc/$server_pid/stat"
  stop_server
  echo "== $name: re-evaluation of $reeval_hosts stored hosts"
  if [ -n "$database" ]; then
    "$build/bench/reeval_bench" --feed "$feed" --hosts "$reeval_hosts" --database "${database%/*}/reeval"
  else
    "$build/bench/reeval_bench" --feed "$feed" --hosts "$reeval_hosts"
  fi
}

run_backend sqlite ""
if start_postgres server reeval; then
  run_backend postgresql "postgresql://fleetpatch@127.0.0.1:$pg_port/server"
else
  echo "== postgresql: skipped (PostgreSQL 15 is not installed: scripts/install-deps.sh installs it)"
fi
