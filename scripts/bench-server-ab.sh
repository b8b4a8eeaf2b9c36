#!/usr/bin/env bash
# A/B of the fleet server's report rate: two builds of `fleetpatch`, the same load, alternating
# runs, medians and the ratio, in one command (a noisy machine moves both alike).
#   scripts/bench-server-ab.sh BASE_BUILD HEAD_BUILD
# Both are Release build directories; HEAD_BUILD must have the benchmarks (-DFLEETPATCH_BENCH=ON):
# its server_load drives both servers. Say BASE is a commit to compare with:
#   git worktree add /tmp/base BASE && cmake -S /tmp/base -B /tmp/base/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=Release -DFLEETPATCH_TESTS=OFF && cmake --build /tmp/base/build \
#     --target fleetpatch
# Each backend (SQLite; PostgreSQL when installed, tuned as for bench-server) gets one database per
# build, kept across that build's runs; round 0 primes them (every host stored once, ledgers
# written) and is not counted. Knobs: AB_MODE (full | unchanged; full), AB_ROUNDS (3),
# AB_SECONDS (10), AB_BACKENDS ("sqlite postgresql"), SERVER_HOSTS (2000), SERVER_CONNECTIONS (64),
# SERVER_THREADS (128).
set -euo pipefail

base=${1:?usage: bench-server-ab.sh BASE_BUILD HEAD_BUILD}
head=${2:?usage: bench-server-ab.sh BASE_BUILD HEAD_BUILD}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${FLEETPATCH_SHARED_DATA:-$root/../shared/data}
mode=${AB_MODE:-full}
backends=${AB_BACKENDS:-sqlite postgresql}
rounds=${AB_ROUNDS:-3}
seconds=${AB_SECONDS:-10}
hosts=${SERVER_HOSTS:-2000}
connections=${SERVER_CONNECTIONS:-64}
threads=${SERVER_THREADS:-128}
for bin in "$base/fleetpatch" "$head/fleetpatch" "$head/bench/server_load"; do
  [ -x "$bin" ] || { echo "bench-server-ab: $bin is missing" >&2; exit 1; }
done
. "$root/scripts/bench-server-common.sh"
bench_setup bench-ab 25498

one_run() {  # BUILD DATA-DIR DATABASE-URL-or-empty: prints "RATE P50 P99"
  local build=$1 data=$2 database=$3 line
  local db_args=()
  [ -n "$database" ] && db_args=(--database "$database")
  if [ ! -d "$data" ]; then
    mkdir -p "$data"
    "$build/fleetpatch" --data-dir "$data" feed import "$feed" >/dev/null
    "$build/fleetpatch" --data-dir "$data" token create --name bench --role operator \
      "${db_args[@]}" 2>/dev/null | grep -o 'fpt_[A-Za-z0-9_-]*' >"$data/token"
  fi
  start_server "$build/fleetpatch" "$data" "$data/server.log" --threads "$threads" "${db_args[@]}"
  line=$(FLEETPATCH_TOKEN=$(cat "$data/token") "$head/bench/server_load" \
    --url "http://127.0.0.1:$port" --feed "$feed" --hosts "$hosts" \
    --connections "$connections" --seconds "$seconds" --mode "$mode" | grep 'reports/s')
  stop_server
  echo "$line" | sed -E 's/.*= ([0-9]+) reports\/s.*p50 ([0-9.]+) ms, p99 ([0-9.]+) ms.*/\1 \2 \3/'
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

compare() {  # NAME DATABASE-URL-PREFIX-or-empty
  local name=$1 prefix=$2 build data database result
  echo "== $name: $mode reports, $connections connections, $seconds s per run, $rounds rounds"
  : >"$tmp/$name-base"; : >"$tmp/$name-head"
  for round in $(seq 0 "$rounds"); do
    for side in base head; do
      build=$base; [ "$side" = head ] && build=$head
      data=$tmp/data-$name-$side
      database=; [ -n "$prefix" ] && database=$prefix/ab_$side
      result=$(one_run "$build" "$data" "$database")
      if [ "$round" = 0 ]; then
        echo "   priming $side: $result (not counted)"
      else
        echo "   round $round $side: $(echo "$result" | awk '{printf "%s reports/s (p50 %s / p99 %s ms)", $1, $2, $3}')"
        echo "$result" | cut -d' ' -f1 >>"$tmp/$name-$side"
      fi
    done
  done
  local mb mh
  mb=$(median <"$tmp/$name-base"); mh=$(median <"$tmp/$name-head")
  awk -v n="$name" -v b="$mb" -v h="$mh" \
    'BEGIN {printf "%s: median base %.0f, head %.0f reports/s: head/base %.2f\n", n, b, h, h / b}'
}

case " $backends " in *" sqlite "*) compare sqlite "" ;; esac
case " $backends " in
  *" postgresql "*)
    if start_postgres ab_base ab_head; then
      compare postgresql "postgresql://fleetpatch@127.0.0.1:$pg_port"
    else
      echo "== postgresql: skipped (PostgreSQL 15 is not installed)"
    fi
    ;;
esac
