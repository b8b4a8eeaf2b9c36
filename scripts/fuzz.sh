#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, seeding from fuzz/corpus/<name>/ when
# present. Exits non-zero on the first target that finds a crash, leak or sanitizer report.
# FUZZ_TARGETS="fuzz_a fuzz_b" limits the run to those targets.
set -euo pipefail
build_dir=${1:-build/fuzz}
seconds=${2:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=$(find "$build_dir/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
if [ -n "${FUZZ_TARGETS:-}" ]; then
  wanted=()
  for n in $FUZZ_TARGETS; do
    [ -x "$build_dir/fuzz/$n" ] || { echo "fuzz.sh: no fuzz target $n in $build_dir/fuzz" >&2; exit 1; }
    wanted+=("$build_dir/fuzz/$n")
  done
  targets="${wanted[*]}"
fi
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets in $build_dir/fuzz" >&2; exit 1; }
mkdir -p "$build_dir/fuzz-artifacts"
for t in $targets; do
  name=$(basename "$t")
  work="$build_dir/fuzz-corpus/$name"
  mkdir -p "$work"
  seeds=()
  [ -d "$root/fuzz/corpus/$name" ] && seeds+=("$root/fuzz/corpus/$name")
  echo "== $name: ${seconds}s (started $(date -u +%H:%M:%S))"
  "$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$build_dir/fuzz-artifacts/$name-" "$work" "${seeds[@]}" 2>&1 \
    | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true
  if ls "$build_dir/fuzz-artifacts/$name-"* >/dev/null 2>&1; then
    echo "fuzz.sh: $name found a problem: $(ls "$build_dir/fuzz-artifacts/$name-"*)" >&2
    exit 1
  fi
done
echo "fuzz.sh: all targets ran ${seconds}s without findings"
