#!/usr/bin/env bash
# Installs the PostgreSQL server binaries (initdb, pg_ctl) when the machine
# lacks them. ecinema starts its own clusters; nothing here starts a server.
set -euo pipefail
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
echo "PostgreSQL server not found: installing the postgresql package" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends postgresql
