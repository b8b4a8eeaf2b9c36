#!/usr/bin/env bash
# `make bench`: fleetpatch's performance figures, medians over several runs.
#   scripts/bench.sh BUILD_DIR      (a Release build configured with -DFLEETPATCH_BENCH=ON)
#
#  (a) parse + compile the full AlmaLinux OSV feed (+ KEV) into the index      target <= 1 s
#  (b) one 600-package host scanned by a fresh `fleetpatch scan` process        target <= 20 ms
#  (c) 100,000 synthetic hosts matched in-process on BENCH_THREADS (2) threads  target <= 10 s,
#      peak RSS <= 2 GB (getrusage of a child process)
#  (d) 300,000 hosts, and the growth ratio against (c) (must be <= linear)
#  (e) the compliance report of 100,000 hosts with history, JSON summary          target <= 5 s
#  (f) a mixed fleet: the 43 real Vuls inventories (13 distributions) in one scan command
#  plus a baseline (a plain per-package version comparison without dedupe) and the Google
#  Benchmark of the version comparators.
# Inputs: ../shared/data (FLEETPATCH_SHARED_DATA) when present; else the snapshot shipped in data/.
# Knobs: BENCH_RUNS (3), BENCH_HOSTS ("100000,300000"), BENCH_THREADS (2), BENCH_QUICK=1
# (10,000/30,000 hosts, one run), BENCH_MAX_SECONDS (60: stop repeating a size after that long).
set -euo pipefail

build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${FLEETPATCH_SHARED_DATA:-$root/../shared/data}
runs=${BENCH_RUNS:-3}
threads=${BENCH_THREADS:-2}
hosts=${BENCH_HOSTS:-100000,300000}
max_seconds=${BENCH_MAX_SECONDS:-60}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  hosts=10000,30000
  runs=1
fi

fleetpatch=$build/fleetpatch
fleet_bench=$build/bench/fleet_bench
fleetgen=$build/bench/fleetgen
version_bench=$build/bench/version_bench
for bin in "$fleetpatch" "$fleet_bench" "$fleetgen" "$version_bench"; do
  if [ ! -x "$bin" ]; then
    echo "bench: $bin is missing: build $build with -DCMAKE_BUILD_TYPE=Release -DFLEETPATCH_BENCH=ON" >&2
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fleetpatch-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

vuls=()
if [ -d "$shared/almalinux-osv" ] && [ -f "$shared/cisa-kev/known_exploited_vulnerabilities.json" ]; then
  feed=$shared/almalinux-osv
  kev=$shared/cisa-kev/known_exploited_vulnerabilities.json
  echo "inputs: $feed (full AlmaLinux OSV feed), $kev"
  if [ -d "$shared/vuls-host-inventories/raw" ]; then
    vuls=(--vuls "$shared/vuls-host-inventories/raw")
    echo "        real package sets: $shared/vuls-host-inventories/raw (read only, never copied)"
  fi
else
  feed=$root/data/almalinux-osv.jsonl.zst
  kev=$tmp/kev.json
  zstd -q -dc "$root/data/kev.json.zst" >"$kev"
  echo "inputs: $shared is absent: using the shipped demo snapshot $feed and data/kev.json.zst"
  echo "        (the same advisories, stripped; no real inventories: feed-derived images only)"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); matcher threads: $threads"
echo

echo "== (a) feed -> index"
"$fleet_bench" compile --feed "$feed" --feed "$kev" --runs 5 --out "$tmp/index.fpi"
echo

echo "== (b) one host, fresh process: fleetpatch scan --inventory host.json --format json"
"$fleetpatch" --data-dir "$tmp/data" feed import "$feed" "$kev" >/dev/null
"$fleetgen" --feed "$feed" --release-prefix almalinux:9 --hosts 1 --packages 600 --shared 560 \
  --size-jitter 0 --seed 7 --out "$tmp/host" 2>/dev/null
host=$(ls "$tmp"/host/*.json | head -1)
packages=$(grep -c '"arch"' "$host")
findings=$("$fleetpatch" --data-dir "$tmp/data" scan --inventory "$host" --format json --compact |
  grep -o '"installed_version"' | wc -l)
echo "host: $(basename "$host"), $packages packages, $findings findings"
"$fleet_bench" exec --runs 30 --warmup 3 -- "$fleetpatch" --data-dir "$tmp/data" scan \
  --inventory "$host" --format json
echo "(target <= 20 ms median)"
echo

echo "== (c, d) fleet matched in-process: AlmaLinux hosts (all hit the index)"
echo "summaries: per-host counts by severity (what a fleet dashboard needs); findings: every"
echo "finding built as an object (what \`scan\` prints), at the first size only (it takes longer)"
"$fleet_bench" fleet --index "$tmp/index.fpi" "${vuls[@]}" --vuls-prefix almalinux: \
  --hosts "$hosts" --threads "$threads" --runs "$runs" --max-seconds "$max_seconds" \
  --mode summaries --baseline-hosts 2000
"$fleet_bench" fleet --index "$tmp/index.fpi" "${vuls[@]}" --vuls-prefix almalinux: \
  --hosts "${hosts%%,*}" --threads "$threads" --runs 1 --mode findings --baseline-hosts 0 |
  grep -v '^fleet:'
echo "(targets: 100,000 hosts <= 10 s on 2 cores, peak RSS <= 2 GB; growth <= linear)"
if [ ${#vuls[@]} -gt 0 ]; then
  echo
  echo "== fleet of all 43 real package sets + feed images (most non-AlmaLinux hosts have no advisories here)"
  "$fleet_bench" fleet --index "$tmp/index.fpi" "${vuls[@]}" --vuls-prefix "" \
    --hosts "${hosts%%,*}" --threads "$threads" --runs 1 --mode summaries --baseline-hosts 0
fi
echo

echo "== (e) compliance report: ${hosts%%,*} hosts with history, JSON summary (bench/report_bench.cpp)"
if [ -x "$build/bench/report_bench" ]; then
  "$build/bench/report_bench" --hosts "${hosts%%,*}" --threads "$threads" --runs "$runs" ||
    echo "report_bench: over its target"
else
  echo "report_bench: not built"
fi
echo

echo "== (f) mixed fleet (issue 4): the 43 real Vuls inventories, 13 distributions, one scan command"
if [ -d "$shared/vuls-host-inventories/raw" ] && [ -d "$shared/debian-dsa-dla-2023" ]; then
  mixed=$tmp/mixed
  "$fleetpatch" --data-dir "$mixed" feed import "$feed" "$kev" \
    "$shared/debian-dsa-dla-2023/data/DSA/list" "$shared/debian-dsa-dla-2023/data/DLA/list" >/dev/null
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$fleetpatch" --data-dir "$mixed" scan --format json \
      --inventory "$shared"/vuls-host-inventories/raw/*.json >"$mixed/scan.json" 2>/dev/null
    times+=("$((($(date +%s%N) - start) / 1000000))")
  done
  printf 'scan of 43 hosts in one command (fresh process, median of %s): %s ms\n' "$runs" \
    "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  python3 - "$mixed/scan.json" <<'PY'
import collections, json, sys
doc = json.load(open(sys.argv[1]))
by = collections.defaultdict(lambda: [0, 0, 0, 0])
for h in doc["hosts"]:
    row = by[h["os"]["id"]]
    vulns = [f for f in h["findings"] if f["state"] != "end-of-life"]
    row[0] += 1
    row[1] += 1 if vulns else 0
    row[2] += len(vulns)
    row[3] += len(h["findings"]) - len(vulns)
print("%-20s %5s %18s %9s %12s" % ("os", "hosts", "hosts w/ findings", "findings", "end-of-life"))
for os_id, (n, w, f, e) in sorted(by.items()):
    print("%-20s %5d %18d %9d %12d" % (os_id, n, w, f, e))
print("(advisories here: AlmaLinux OSV, Debian DSA/DLA lists, KEV; the other families have no feed")
print(" in ../shared/data, so they show only end-of-life findings; tests/golden_test.cpp's")
print(" GoldenMixedFleet scans seven families with their own vendors' data in one command)")
PY
else
  echo "mixed fleet: ../shared/data/vuls-host-inventories or debian-dsa-dla-2023 missing, skipped"
fi
echo

echo "== version comparators (Google Benchmark)"
"$version_bench" --benchmark_min_time=0.2 2>&1 | grep -v '^\*\*\*WARNING\*\*\* Library was built as DEBUG'
