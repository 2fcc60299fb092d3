// Command crashtest kills the ecinema server with SIGKILL while a write
// load runs, several times, restarts it each time, and then checks that
// every append the server acknowledged is in the ledger with its
// projection, and that `ecinema verify` passes on the result.
//
// It starts its own throwaway PostgreSQL cluster (internal/pgtest), so it
// can be re-run anywhere `make test` runs:
//
//	scripts/crash-test.sh            # builds bin/ecinema and runs this
//	go run ./scripts/crashtest -bin bin/ecinema -rounds 3 -load 3s -workers 48
//
// Load: concurrent admin PUT /v1/parties/{id} requests, each of which is one
// ledger entry (kind "party") plus its registry projection rows, written in
// one transaction by the group-commit writer. A 2xx answer is an
// acknowledgement; the id is recorded. After the kill, requests in flight
// fail and are not counted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/internal/harness"
	"ecinema/internal/pgtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest: FAIL:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin/ecinema", "the ecinema binary")
	rounds := flag.Int("rounds", 3, "kill -9 / restart rounds")
	load := flag.Duration("load", 3*time.Second, "load before each kill")
	workers := flag.Int("workers", 48, "concurrent writers")
	flag.Parse()
	ctx := context.Background()

	cluster, root, err := pgtest.StartCluster(ctx)
	if err != nil {
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	defer os.RemoveAll(root)
	defer cluster.Stop()
	if err := harness.CreateDatabase(ctx, cluster.URL("postgres"), "crash"); err != nil {
		return err
	}
	dbURL := cluster.URL("crash")

	dir, err := os.MkdirTemp("", "ecinema-crash")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ec, err := harness.Setup(*bin, dbURL, dir, "crashtest")
	if err != nil {
		return err
	}
	admin, base := ec.Admin, ec.Base

	var acked sync.Map
	var nAcked, nFailed, nBIN atomic.Int64
	for round := 1; round <= *rounds+1; round++ {
		srv, err := ec.Serve(filepath.Join(dir, fmt.Sprintf("server-%d.log", round)))
		if err != nil {
			return err
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					body := fmt.Sprintf(`{"kind":"producer","name":"Crash %s","bin":"%s"}`, id, harness.BIN(int(nBIN.Add(1))))
					req, _ := http.NewRequest(http.MethodPut, base+"/v1/parties/"+id, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+admin)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						nFailed.Add(1)
						if errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "refused") {
							time.Sleep(20 * time.Millisecond)
						}
						continue
					}
					res.Body.Close()
					if res.StatusCode/100 == 2 {
						acked.Store(id, true)
						nAcked.Add(1)
					} else {
						nFailed.Add(1)
					}
				}
			}()
		}
		time.Sleep(*load)
		if round <= *rounds {
			// The crash: SIGKILL while the load runs.
			before := nAcked.Load()
			if err := srv.Process.Kill(); err != nil {
				return err
			}
			srv.Wait()
			fmt.Fprintf(os.Stderr, "round %d: killed -9 with the load running (%d acknowledged so far)\n", round, before)
			time.Sleep(300 * time.Millisecond) // let the load hit the dead port
			close(stop)
			wg.Wait()
		} else {
			close(stop)
			wg.Wait()
			srv.Process.Signal(syscall.SIGTERM)
			srv.Wait()
			fmt.Fprintf(os.Stderr, "round %d: load stopped, server shut down\n", round)
		}
	}

	// Every acknowledged append is in the ledger with its projection.
	var ids []string
	acked.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var present, entries, maxSeq, distinct int64
	err = conn.QueryRow(ctx, `SELECT count(DISTINCT v.id) FROM registry_versions v
JOIN ledger_entries e ON e.log_id = 'main' AND e.seq = v.entry_seq AND e.kind = 'party'
JOIN parties p ON p.id = v.id
WHERE v.kind = 'party' AND v.id = ANY($1) AND position(convert_to('"' || v.id || '"', 'UTF8') IN e.bytes) > 0`, ids).Scan(&present)
	if err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, `SELECT count(*), max(seq), count(DISTINCT seq) FROM ledger_entries WHERE log_id = 'main'`).Scan(&entries, &maxSeq, &distinct); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "acknowledged %d appends (%d requests failed or were cut by the kills); ledger holds %d entries (seq 0..%d)\n",
		len(ids), nFailed.Load(), entries, maxSeq)
	if present != int64(len(ids)) {
		return fmt.Errorf("%d acknowledged appends are missing from the ledger or their projection", int64(len(ids))-present)
	}
	if entries != maxSeq+1 || distinct != entries {
		return fmt.Errorf("seqs have gaps or duplicates: %d entries, max seq %d, %d distinct", entries, maxSeq, distinct)
	}
	if len(ids) == 0 {
		return errors.New("no append was acknowledged: the load did not run")
	}
	out, err := ec.Run("verify", "--deep", "--allow-unsigned-tail")
	if err != nil {
		return fmt.Errorf("ecinema verify: %w", err)
	}
	fmt.Fprintf(os.Stderr, "ecinema verify: %s", out)
	fmt.Println("crashtest: PASS")
	return nil
}
