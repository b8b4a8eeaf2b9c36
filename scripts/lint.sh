#!/usr/bin/env bash
# `make lint`: clang-tidy (the committed .clang-tidy, warnings are errors) over every C++ source
# git knows: src, cmd, tests, bench and fuzz, nothing left out.
#   scripts/lint.sh BUILD_DIR JOBS
# BUILD_DIR holds the compile database; it must list every source (`make lint` configures
# build/lint with the tests, benchmarks and fuzz targets on, which needs no build). A source the
# database lacks is an error here, not a file silently skipped. Exits non-zero on any finding.
set -euo pipefail
build_dir=${1:-build/lint}
jobs=${2:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
database="$build_dir/compile_commands.json"
[ -f "$database" ] || { echo "lint.sh: no $database (configure $build_dir first)" >&2; exit 1; }

mapfile -t sources < <(git ls-files '*.cpp')
missing=$(python3 - "$database" "${sources[@]}" <<'EOF'
import json, os, sys
database = {os.path.realpath(e["file"]) for e in json.load(open(sys.argv[1]))}
print("\n".join(f for f in sys.argv[2:] if os.path.realpath(f) not in database))
EOF
)
if [ -n "$missing" ]; then
  echo "lint.sh: not in $database (reconfigure $build_dir):" >&2
  echo "$missing" >&2
  exit 1
fi

# run-clang-tidy takes regular expressions: one anchored, escaped path per source.
patterns=()
for f in "${sources[@]}"; do
  patterns+=("^$(printf '%s' "$root/$f" | sed 's/[][\.^$*+?(){}|]/\\&/g')\$")
done
start=$(date +%s)
status=0
run-clang-tidy-14 -p "$build_dir" -quiet -j "$jobs" "${patterns[@]}" || status=$?
echo "lint: ${#sources[@]} files, $(($(date +%s) - start)) s, $([ $status -eq 0 ] && echo clean || echo FINDINGS)"
exit $status
