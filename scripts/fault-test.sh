#!/usr/bin/env bash
# Fault test (issue 13): under a POS sales load on its own durable
# PostgreSQL cluster, kill -9 the server, stop PostgreSQL immediately and
# freeze it (SIGSTOP) for 30 s; every request answers 503 within its
# deadline, every acknowledged ticket is stored exactly once and
# `ecinema verify --deep` passes. Prints the counts.
# Usage: scripts/fault-test.sh [-freeze 30s] [-load 3s] [-workers 16]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-postgres.sh
go build -o bin/ecinema ./cmd/ecinema
exec go run ./scripts/faulttest -bin bin/ecinema "$@"
