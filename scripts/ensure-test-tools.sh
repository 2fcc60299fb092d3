#!/usr/bin/env bash
# Installs what the tests that speak to real clients need, when it is
# missing: Debian packages (chromium for the browser tests, node for the
# scripts under testdata/) and each testdata/*/ npm project from its lock
# file. make test and .ci/run both call it. Without root it installs no
# Debian package; the tests that need one then skip and say so (under CI=true
# they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need[@]}"
  else
    echo "ensure-test-tools: not root, not installing ${need[*]}; the tests that need them will skip" >&2
  fi
fi
if command -v npm >/dev/null 2>&1; then
  for lock in testdata/*/package-lock.json; do
    [ -e "$lock" ] || continue
    dir=$(dirname "$lock")
    # Install when missing or when the lock file is newer than the install.
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
fi
