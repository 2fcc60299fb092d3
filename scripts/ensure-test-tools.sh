#!/usr/bin/env bash
# Installs what the tests that speak to real clients need, when it is
# missing: Debian packages (below, each with what needs it) and each
# testdata/*/ npm project from its lock file (install scripts skipped: the
# tests only load the packages). make test and .ci/run both call it. Without root it installs no
# Debian package; the tests that need one then skip and say so (under CI=true
# they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)         # PDF statements' text
/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1 || need+=(python3-openpyxl) # XLSX read by a real reader
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)           # OAI-PMH, LIDO against the XSDs
command -v jing >/dev/null 2>&1 || need+=(jing)                       # OPDS 1.2 against its RELAX NG
command -v sha512sum >/dev/null 2>&1 || need+=(coreutils)             # DIP manifests checked by sha512sum -c
command -v chromium >/dev/null 2>&1 || need+=(chromium)               # the pages in a real browser
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)            # ticket QR codes read by a second decoder
command -v ssconvert >/dev/null 2>&1 || need+=(gnumeric)             # CSV exports opened by a spreadsheet
command -v node >/dev/null 2>&1 || need+=(nodejs)                     # the testdata/*/ scripts
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
      (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    fi
  done
fi
