// Command faulttest puts the ecinema server under a POS sales load on its
// own durable PostgreSQL cluster (fsync and synchronous commit on, never the
// test suite's shared one) and injures it three ways, then checks the
// promises of docs/RELIABILITY.md:
//
//  1. kill -9 of the server, restart;
//  2. PostgreSQL stopped immediately (pg_ctl -m immediate, a crash) while the
//     load runs, restarted: requests in between answer 503 fast;
//  3. PostgreSQL frozen (SIGSTOP of every server process) for -freeze
//     (30 s): every request answers 503 within ECINEMA_DB_TIMEOUT plus a
//     margin, none hangs; then it thaws (SIGCONT).
//
// Then: every acknowledged ticket (201) is in the ledger and the tickets
// table exactly once, no ticket is there twice, and `ecinema verify --deep`
// passes. Counts are printed.
//
//	scripts/fault-test.sh                     # builds bin/ecinema and runs this
//	go run ./scripts/faulttest -bin bin/ecinema -freeze 30s -load 3s -workers 16
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/internal/harness"
	"ecinema/internal/pgcluster"
)

var (
	binFlag  = flag.String("bin", "bin/ecinema", "the ecinema binary")
	freeze   = flag.Duration("freeze", 30*time.Second, "how long PostgreSQL is frozen (SIGSTOP)")
	load     = flag.Duration("load", 3*time.Second, "load before and after each injury")
	workers  = flag.Int("workers", 16, "concurrent POS clients")
	dbTimout = flag.Duration("db-timeout", 5*time.Second, "ECINEMA_DB_TIMEOUT of the server")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "faulttest: FAIL:", err)
		os.Exit(1)
	}
}

// stats of the load.
type stats struct {
	mu        sync.Mutex
	acked     map[string]bool // ticket ids of 201 answers
	byStatus  map[string]int
	slowest   time.Duration // slowest request that overlapped the freeze
	frozeAt   atomic.Int64  // UnixNano of the freeze (0: not yet)
	thawedAt  atomic.Int64  // UnixNano of the thaw (0: not yet)
	frozenN   atomic.Int64  // requests that overlapped the freeze
	frozen503 atomic.Int64  // of which answered 503
	frozenBad atomic.Int64  // of which took longer than the deadline and margin
}

// overlapped reports whether a request from start to end overlapped the
// freeze.
func (s *stats) overlapped(start, end time.Time) bool {
	f, th := s.frozeAt.Load(), s.thawedAt.Load()
	if f == 0 || end.UnixNano() < f {
		return false
	}
	return th == 0 || start.UnixNano() < th
}

func (s *stats) add(status string, tickets []string, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byStatus[status]++
	if status == "201" {
		for _, t := range tickets {
			s.acked[t] = true
		}
	}
}

func run() error {
	ctx := context.Background()
	root, err := os.MkdirTemp("/tmp", "ecft")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	os.Chmod(root, 0o755)
	opts := pgcluster.Options{DataDir: root + "/data", SocketDir: root + "/s", LogFile: root + "/log/postgres.log"} // durable: Fast off
	cluster, err := pgcluster.Start(ctx, opts)
	if err != nil {
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	defer func() { cluster.Stop() }()
	if err := harness.CreateDatabase(ctx, cluster.URL("postgres"), "fault"); err != nil {
		return err
	}
	dbURL := cluster.URL("fault")

	ec, err := harness.Setup(*binFlag, dbURL, root, "faulttest", "ECINEMA_LOG_ORIGIN=ecinema-fault",
		"ECINEMA_CHECKPOINT_INTERVAL=1s", "ECINEMA_DB_TIMEOUT="+dbTimout.String(), "ECINEMA_BLOB_DIR="+filepath.Join(root, "blobs"))
	if err != nil {
		return err
	}
	admin, base := ec.Admin, ec.Base
	logs := filepath.Join(root, "server-%d.log")
	srv, err := ec.Serve(fmt.Sprintf(logs, 1))
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	do, err := fixture(base, admin)
	if err != nil {
		return err
	}
	pos, err := ec.Key("--role", "pos", "--cinema", "ft-cin", "--name", "faulttest pos")
	if err != nil {
		return err
	}
	var screenings []string
	start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Hour)
	for h := range 20 {
		id := fmt.Sprintf("ft-s%d", h)
		if err := do("PUT", "/v1/screenings/"+id, pos, map[string]string{"hall_id": fmt.Sprintf("h%d", h), "film_id": "ft-film",
			"starts_at": start.Format(time.RFC3339), "format": "2D", "language": "kk"}); err != nil {
			return err
		}
		screenings = append(screenings, id)
	}

	st := &stats{acked: map[string]bool{}, byStatus: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seq atomic.Int64
	client := &http.Client{Timeout: *dbTimout + 20*time.Second} // the server's deadline must answer first
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := seq.Add(1)
				k := 1 + rand.IntN(4)
				ids := make([]string, k)
				tickets := make([]map[string]string, k)
				for i := range ids {
					ids[i] = fmt.Sprintf("t%d-%d", n, i)
					tickets[i] = map[string]string{"id": ids[i], "sold_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
						"price": "2500.00", "category": "adult", "channel": "box_office"}
				}
				body, _ := json.Marshal(map[string]any{"screening_id": screenings[int(n)%len(screenings)], "tickets": tickets})
				req, _ := http.NewRequest(http.MethodPost, base+"/v1/sales", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+pos)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "ft-"+strconv.FormatInt(n, 10))
				start := time.Now()
				res, err := client.Do(req)
				took := time.Since(start)
				status := "conn_error"
				if err == nil {
					status = strconv.Itoa(res.StatusCode)
					res.Body.Close()
				}
				if st.overlapped(start, time.Now()) {
					st.frozenN.Add(1)
					if status == "503" {
						st.frozen503.Add(1)
					}
					if took > *dbTimout+2*time.Second || (status != "503" && status != "201") {
						st.frozenBad.Add(1)
					}
					st.mu.Lock()
					st.slowest = max(st.slowest, took)
					st.mu.Unlock()
				}
				st.add(status, ids, took)
				if err != nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "faulttest: "+format+"\n", args...) }

	// 1. kill -9 of the server.
	time.Sleep(*load)
	say("kill -9 the server (%d tickets acknowledged so far)", len(st.snapshot()))
	srv.Process.Kill()
	srv.Wait()
	time.Sleep(300 * time.Millisecond)
	if srv, err = ec.Serve(fmt.Sprintf(logs, 2)); err != nil {
		return err
	}

	// 2. PostgreSQL stopped immediately, then restarted.
	time.Sleep(*load)
	say("PostgreSQL: stop -m immediate (%d tickets acknowledged so far)", len(st.snapshot()))
	if err := cluster.StopImmediate(); err != nil {
		return err
	}
	down := time.Now()
	time.Sleep(2 * time.Second)
	if cluster, err = pgcluster.Start(ctx, opts); err != nil {
		return fmt.Errorf("restart PostgreSQL: %w", err)
	}
	say("PostgreSQL back after %v", time.Since(down).Round(100*time.Millisecond))

	// 3. PostgreSQL frozen.
	time.Sleep(*load)
	pids, err := postgresPIDs(opts.DataDir)
	if err != nil {
		return err
	}
	say("PostgreSQL: SIGSTOP %d processes for %v (%d tickets acknowledged so far)", len(pids), *freeze, len(st.snapshot()))
	for i := len(pids) - 1; i >= 0; i-- {
		syscall.Kill(pids[i], syscall.SIGSTOP)
	}
	st.frozeAt.Store(time.Now().UnixNano())
	time.Sleep(*freeze)
	st.thawedAt.Store(time.Now().UnixNano())
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGCONT)
	}
	time.Sleep(*dbTimout + 3*time.Second) // let every request that overlapped the freeze finish
	say("PostgreSQL thawed: %d requests overlapped the %v freeze, %d answered 503, %d took longer than %v or failed otherwise; slowest %v",
		st.frozenN.Load(), *freeze, st.frozen503.Load(), st.frozenBad.Load(), *dbTimout+2*time.Second, st.slowestFrozen().Round(time.Millisecond))
	time.Sleep(*load)
	close(stop)
	wg.Wait()

	// Publish a checkpoint of everything, then stop the server cleanly.
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/ledger/checkpoints", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		return fmt.Errorf("publish checkpoint: %v %v", res, err)
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()

	// Every acknowledged ticket exactly once.
	acked := st.snapshot()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var stored, present, dup int64
	if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE id = ANY($1)) FROM tickets WHERE cinema_id = 'ft-cin'`, acked).Scan(&stored, &present); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT id FROM tickets WHERE cinema_id = 'ft-cin' GROUP BY id HAVING count(*) > 1) d`).Scan(&dup); err != nil {
		return err
	}
	var inLedger int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT jsonb_array_elements(convert_from(bytes, 'UTF8')::jsonb->'body'->'tickets')->>'id' AS id
FROM ledger_entries WHERE kind = 'sale') s WHERE id = ANY($1)`, acked).Scan(&inLedger); err != nil {
		return err
	}
	var codes []string
	st.mu.Lock()
	for k, v := range st.byStatus {
		codes = append(codes, fmt.Sprintf("%s: %d", k, v))
	}
	st.mu.Unlock()
	sort.Strings(codes)
	say("answers by status: %s", strings.Join(codes, ", "))
	if n := st.byStatus["500"]; n > 0 {
		problems500 := map[string]bool{}
		for i := 1; i <= 2; i++ {
			b, _ := os.ReadFile(fmt.Sprintf(logs, i))
			for _, l := range strings.Split(string(b), "\n") {
				if strings.Contains(l, `"msg":"request failed"`) {
					var m struct{ Err string }
					json.Unmarshal([]byte(l), &m)
					problems500[m.Err] = true
				}
			}
		}
		for e := range problems500 {
			say("500: %s", e)
		}
	}
	say("acknowledged tickets %d; present in tickets %d, in sale entries %d; tickets stored %d (%d acknowledged, %d whose answer was lost); duplicated ids %d",
		len(acked), present, inLedger, stored, present, stored-present, dup)
	var problems []string
	if present != int64(len(acked)) || inLedger != int64(len(acked)) {
		problems = append(problems, fmt.Sprintf("%d acknowledged tickets missing", int64(len(acked))-min(present, inLedger)))
	}
	if n := st.byStatus["500"]; n > 0 {
		problems = append(problems, fmt.Sprintf("%d answers were 500 (an outage must be a 503)", n))
	}
	if dup > 0 {
		problems = append(problems, fmt.Sprintf("%d tickets stored twice", dup))
	}
	if st.frozenBad.Load() > 0 {
		problems = append(problems, fmt.Sprintf("%d requests during the freeze were not answered (503) within the deadline", st.frozenBad.Load()))
	}
	if st.frozen503.Load() == 0 {
		problems = append(problems, "no request was answered 503 during the freeze")
	}
	if len(acked) == 0 {
		problems = append(problems, "no ticket was acknowledged: the load did not run")
	}
	out, err := ec.Run("verify", "--deep")
	if err != nil {
		problems = append(problems, fmt.Sprintf("ecinema verify --deep: %v", err))
	} else {
		say("ecinema verify --deep: %s", strings.TrimSpace(out))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Println("faulttest: PASS")
	return nil
}

func (s *stats) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.acked))
	for k := range s.acked {
		out = append(out, k)
	}
	return out
}

func (s *stats) slowestFrozen() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slowest
}

// fixture registers a cinema with 20 halls of 10,000 seats and a film, and
// returns its request helper.
func fixture(base, admin string) (func(method, path, key string, body any) error, error) {
	do := func(method, path, key string, body any) error {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode/100 != 2 {
			var e bytes.Buffer
			e.ReadFrom(res.Body)
			return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, e.String())
		}
		return nil
	}
	for i, p := range []struct{ id, kind string }{{"ft-prod", "producer"}, {"ft-dist", "distributor"}, {"ft-exh", "exhibitor"}} {
		if err := do("PUT", "/v1/parties/"+p.id, admin, map[string]string{"kind": p.kind, "name": "Fault " + p.id, "bin": harness.BIN(i)}); err != nil {
			return nil, err
		}
	}
	var halls []map[string]any
	for h := range 20 {
		halls = append(halls, map[string]any{"id": fmt.Sprintf("h%d", h), "name": fmt.Sprintf("Hall %d", h), "seats": 10000})
	}
	if err := do("PUT", "/v1/cinemas/ft-cin", admin, map[string]any{"name": "Fault Cinema", "exhibitor_id": "ft-exh",
		"region": "KZ-75", "city": "Almaty", "vat_payer": true, "halls": halls}); err != nil {
		return nil, err
	}
	today := time.Now().UTC()
	if err := do("PUT", "/v1/films/ft-film", admin, map[string]any{
		"title":  map[string]string{"kk": "Сынақ", "ru": "Тест", "en": "Test"},
		"origin": "national", "countries": []string{"KZ"}, "release_date": today.AddDate(0, 0, -7).Format(time.DateOnly), "runtime_min": 100,
		"age_rating":  "6+",
		"certificate": map[string]string{"number": "KZ-FT", "valid_from": today.AddDate(-1, 0, 0).Format(time.DateOnly), "valid_to": today.AddDate(1, 0, 0).Format(time.DateOnly)},
		"producer_id": "ft-prod", "distributor_id": "ft-dist",
		"distribution_fee_pct": "15", "recoupable_expenses": "0.00", "royalty_pct": "0",
		"rental_terms": []map[string]any{{"from_week": 1, "distributor_pct": "50"}},
	}); err != nil {
		return nil, err
	}
	return do, nil
}

// postgresPIDs returns the postmaster's pid first, then its children's.
func postgresPIDs(dataDir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, err
	}
	pids := []int{pm}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(stat, ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pm) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
