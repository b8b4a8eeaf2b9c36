#!/usr/bin/env bash
# Installs the Debian 12 packages fleetpatch needs to build, test, fuzz and benchmark.
# Idempotent: installs only what is missing and never upgrades what is already there.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-14-dev libfuzzer-14-dev
  # libraries
  libcli11-dev nlohmann-json3-dev librpm-dev libzstd-dev libarchive-dev libcurl4-openssl-dev
  libsimdjson-dev zlib1g-dev libxxhash-dev liblz4-dev
  # the fleet server: HTTP (cpp-httplib with OpenSSL for TLS), SQLite and PostgreSQL stores
  libcpp-httplib-dev libssl-dev libsqlite3-dev libpq-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libdpkg-dev rpm zstd dpkg-dev
  # `feed update`'s test serves the feeds with python3 -m http.server on 127.0.0.1
  python3
  # agentless scans (ssh) and their test, which starts a throw-away sshd on 127.0.0.1
  openssh-client openssh-server
  # the PostgreSQL store tests start a private server on 127.0.0.1 (scripts/test-postgres.sh)
  postgresql
  # the feed update test serves a mirror with python3 -m http.server on 127.0.0.1
  python3
  # the HTML report test opens the report in headless Chromium (tests/js/check_html.mjs)
  chromium
)

# Test-only npm packages (tests/js: JSON schema validation of SARIF and CycloneDX, pinned by its
# package-lock.json) with the machine's Node.js; reinstalled only when the lock file changes.
js_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/js"
if [ -f "$js_dir/package-lock.json" ] && command -v npm >/dev/null 2>&1 &&
   ! cmp -s "$js_dir/package-lock.json" "$js_dir/node_modules/.package-lock.json.installed"; then
  echo "install-deps: npm ci in tests/js" >&2
  (cd "$js_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2 &&
     cp package-lock.json node_modules/.package-lock.json.installed)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq

# openssh-server and postgresql are only here so that tests can start their own sshd and
# PostgreSQL on 127.0.0.1. Installing them must not leave system services listening: when we are
# the ones installing them, keep their services from starting (policy-rc.d) and disable them
# afterwards.
installing_sshd=false
for p in "${missing[@]}"; do
  case "$p" in openssh-server | postgresql) installing_sshd=true ;; esac
done
policy=/usr/sbin/policy-rc.d
if $installing_sshd && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}"
if $installing_sshd && command -v systemctl >/dev/null 2>&1; then
  "${sudo_cmd[@]}" systemctl disable --now ssh.service ssh.socket postgresql.service \
    >/dev/null 2>&1 || true
fi
