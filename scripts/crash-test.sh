#!/usr/bin/env bash
# Crash test of the ledger: kill -9 the server while a write load runs,
# restart, repeat; then every acknowledged append must be in the ledger and
# `ecinema verify --deep` must pass. Starts its own throwaway PostgreSQL.
# Usage: scripts/crash-test.sh [-rounds N] [-load 3s] [-workers 48]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-postgres.sh
go build -o bin/ecinema ./cmd/ecinema
exec go run ./scripts/crashtest -bin bin/ecinema "$@"
