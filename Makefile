# ecinema — the two commands that matter are `make run` and `make test`.
GO        ?= go
BIN       := bin/ecinema
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build run test race lint bench bench-go fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/ecinema

# Starts a private PostgreSQL under ./.data (unless ECINEMA_DATABASE_URL is
# set), migrates, loads demo data once, and serves. Ctrl-C stops everything.
run: build
	@./scripts/ensure-postgres.sh
	./$(BIN) dev

# One throwaway PostgreSQL cluster for the whole run (internal/pgtest/withpg),
# stopped at the end whether the tests pass or fail.
test:
	@./scripts/ensure-postgres.sh
	@./scripts/ensure-test-tools.sh
	$(GO) run ./internal/pgtest/withpg $(GO) test -race -count=1 -timeout 15m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# The write-path table of docs/PERFORMANCE.md in one run: its own durable
# PostgreSQL (fsync on) and server, the 30-day demo load, real-time and batch
# sales through HTTP beside a raw COPY baseline, verify (online, then offline
# of the run's export fetched through HTTP) and verify --deep, and
# the scaling rows, then the year ranking on a national year (written
# set-based, ~16 minutes on a busy machine) and a period close during the
# real-time load. About 30 minutes on 2 cores. BENCH_FLAGS adds flags, e.g.
# BENCH_FLAGS='--profile /tmp/prof --server /path/to/older/ecinema'.
bench: build
	@./scripts/ensure-postgres.sh
	./$(BIN) perf --demo-days 30 --rows realtime,batch,copy,verify,scale,yearranking,close $(BENCH_FLAGS)

# The Go benchmarks of every package.
bench-go:
	@./scripts/ensure-postgres.sh
	$(GO) run ./internal/pgtest/withpg $(GO) test -run '^$$' -bench . -benchtime 2s ./...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseSales$$' -fuzztime 60s ./ingest/

clean:
	rm -rf bin
