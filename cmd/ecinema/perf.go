package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/apikey"
	"ecinema/internal/pgcluster"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/loadgen"
	"ecinema/migrations"
)

// cmdPerf is `make bench`: it starts its own durable PostgreSQL (fsync on,
// pg_stat_statements loaded) in a temporary directory, runs `ecinema serve`
// against it as a child process, and prints one table of the write-path
// figures of issue 10 measured in this one run, beside a raw COPY of the
// same ticket rows into a bare table with the tickets' primary key (same
// concurrency, same rows a request, durable).
//
//	ecinema perf [--duration 20s] [--rows realtime,batch,copy,verify,scale,yearranking,close]
//	             [--profile DIR] [--ranking-requests 20]
//
// verify times `ecinema verify` online, then exports the ledger through
// HTTP as an auditor would (perf_offline.go) and times `ecinema verify
// --export` of that file, then `verify --deep`.
//
// yearranking and close (perf_yearranking.go, perf_close.go) run last:
// they write projection rows outside the ledger.
//
// With --profile, a 10-second CPU profile of the server is taken in the
// middle of each load row (ECINEMA_PPROF_ADDR) and the top statements of
// pg_stat_statements are written beside it (for the demo load too:
// demo.cpu.pprof, the whole load, and demo.statements.txt).
func cmdPerf(ctx context.Context, env *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("perf", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dur := fs.Duration("duration", 20*time.Second, "how long each load row runs")
	rowsFlag := fs.String("rows", "realtime,batch,copy,verify", "rows to run: realtime, batch, copy, verify, scale, yearranking, close")
	profDir := fs.String("profile", "", "directory for CPU profiles and pg_stat_statements of each load row")
	demoDays := fs.Int("demo-days", 30, "load the demo data set of this many days first (0: none), timed, with the server's build (make run loads 30)")
	compareBin := fs.String("verify-compare", "", "another ecinema build whose verify, verify --export and verify --deep run on the same data, for a before/after row")
	rankingRequests := fs.Int("ranking-requests", 20, "yearranking: requests of each period kind and filter")
	serverBin := fs.String("server", "", "ecinema binary to run as the server (default this one), e.g. a build of an older commit for a before/after run")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usagef("perf takes only flags")
	}
	rows := map[string]bool{}
	for _, r := range strings.Split(*rowsFlag, ",") {
		rows[strings.TrimSpace(r)] = true
	}
	if *profDir != "" {
		if err := os.MkdirAll(*profDir, 0o755); err != nil {
			return err
		}
	}
	p, err := startPerfServer(ctx, env, *serverBin, *profDir != "")
	if err != nil {
		return err
	}
	defer p.stop(env)
	out := &perfTable{w: env.stdout}
	out.header()
	if *demoDays > 0 {
		if *profDir != "" {
			p.resetStatements(ctx)
		}
		s, err := p.demo(ctx, env, *demoDays, *profDir)
		if err != nil {
			return err
		}
		if *profDir != "" {
			p.writeStatements(ctx, filepath.Join(*profDir, "demo.statements.txt"))
		}
		out.row(fmt.Sprintf("demo load, %d days (make run loads 30)", *demoDays), s)
		// The load leaves shared buffers full of dirty pages (WAL of GBs
		// written in a minute, no checkpoint done yet). Left there, the
		// next row's backends — the ledger writer's among them, inside its
		// group — write them out one by one to make room (44,000 buffers
		// in a 10 s real-time row). A history loaded over weeks would have
		// been checkpointed long before; so is this one, timed.
		t := time.Now()
		if _, err := p.owner.Exec(ctx, "CHECKPOINT"); err != nil {
			return fmt.Errorf("checkpoint after the demo load: %w", err)
		}
		out.row("… checkpoint after it (its dirty pages written out before the next row)", perfMS(time.Since(t)))
	}

	var lastLoadCPU float64 // the CPU ms a 1,000 tickets of the last load row, all three sides
	load := func(name string, workers, tmin, tmax int) (*loadgen.Result, error) {
		cfg := loadgen.Config{URL: p.url, AdminKey: p.adminKey, Duration: *dur, Workers: workers, Tickets: tmin, TicketsMax: tmax,
			Cinemas: min(workers, 64), Prefix: fmt.Sprintf("p%s%d", name, time.Now().UnixMilli()%1e9),
			NewPOSKey: p.newPOSKey, Progress: env.stderr, ProgressEvery: 10 * time.Second}
		var prof sync.WaitGroup
		if *profDir != "" {
			prof.Add(2)
			go func() {
				defer prof.Done()
				time.Sleep(*dur / 3)
				p.profile(ctx, env, "profile", filepath.Join(*profDir, name+".cpu.pprof"), 10)
			}()
			go func() { // the same 10 s: what the server allocated (GC pressure)
				defer prof.Done()
				time.Sleep(*dur / 3)
				p.profile(ctx, env, "allocs", filepath.Join(*profDir, name+".allocs.pprof"), 10)
			}()
			defer profileSelf(env, filepath.Join(*profDir, name+".loadgen.cpu.pprof"))()
			p.resetStatements(ctx)
		}
		before, cpu0, pg0 := p.writerPhases(), p.cpu(), p.pgStats(ctx)
		res, err := loadgen.Run(ctx, cfg)
		if err == nil {
			out.row("… writer, during it", p.writerPhases().since(before))
			now := p.cpu()
			lastLoadCPU = now.total() - cpu0.total()
			lastLoadCPU *= 1e6 / float64(max(res.Tickets, 1)) // ms a 1,000 tickets
			out.row("… CPU, during it", now.perTicket(cpu0, res.Tickets))
			out.row("… PostgreSQL, during it", p.pgStats(ctx).since(pg0, res.Tickets))
		}
		prof.Wait()
		if err == nil && *profDir != "" {
			p.writeStatements(ctx, filepath.Join(*profDir, name+".statements.txt"))
		}
		return res, err
	}

	if rows["realtime"] {
		res, err := load("rt", 256, 1, 4)
		if err != nil {
			return err
		}
		out.load("real-time sales: 256 clients, 1–4 tickets a request", res)
		out.row("server RSS (peak, VmHWM) after the real-time load", p.rss())
	}
	var batchRate, batchCPU float64
	if rows["batch"] {
		res, err := load("batch", 32, 100, 100)
		if err != nil {
			return err
		}
		batchRate = float64(res.Tickets) / res.Elapsed.Seconds()
		batchCPU = lastLoadCPU
		out.load("batch sales: 32 clients, 100 tickets a request", res)
	}
	if rows["copy"] {
		// Each COPY row is timed with the CPU it used, so that the batch
		// row's CPU a ticket can be set against the budget a ratio to the
		// parallel COPY leaves on this machine's cores.
		copyRow := func(c copyShape) (float64, error) {
			cpu0 := p.cpu()
			rate, rows, err := rawCopy(ctx, p.dbURL, c, *dur)
			if err != nil {
				return 0, err
			}
			out.row(c.label, fmt.Sprintf("%.0f rows/s (%s)%s", rate, c.about, c.ratio(batchRate, rate)))
			out.row("… CPU, during it", p.cpu().perRow(cpu0, rows))
			return rate, nil
		}
		rate, err := copyRow(copyParallel)
		if err != nil {
			return err
		}
		if _, err := copyRow(copyShaped); err != nil {
			return err
		}
		if _, err := copyRow(copySerial); err != nil {
			return err
		}
		if batchCPU > 0 {
			out.row("CPU budget of batch/COPY = 0.6", cpuBudget(runtime.NumCPU(), rate, batchRate, batchCPU))
		}
	}
	if rows["scale"] {
		for _, w := range []int{32, 64, 128, 256, 512} {
			res, err := load(fmt.Sprintf("rt%d", w), w, 1, 4)
			if err != nil {
				return err
			}
			out.load(fmt.Sprintf("scale: real-time, %d clients, 1–4 tickets", w), res)
		}
		for _, k := range []int{10, 100, 1000} {
			res, err := load(fmt.Sprintf("b%d", k), 32, k, k)
			if err != nil {
				return err
			}
			out.load(fmt.Sprintf("scale: batch, 32 clients, %d tickets", k), res)
		}
	}
	if rows["verify"] {
		// profiled runs the verification run under the name's CPU profile
		// and pg_stat_statements when --profile is set.
		profiled := func(name string, run func() (string, error)) (string, error) {
			if *profDir == "" {
				return run()
			}
			p.resetStatements(ctx)
			f, err := os.Create(filepath.Join(*profDir, name+".cpu.pprof"))
			if err != nil {
				return "", err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return "", err
			}
			s, err := run()
			pprof.StopCPUProfile()
			p.writeStatements(ctx, filepath.Join(*profDir, name+".statements.txt"))
			return s, err
		}
		for _, deep := range []bool{false, true} {
			name := "verify"
			if deep {
				name = "verify-deep"
			}
			s, err := profiled(name, func() (string, error) { return p.verify(ctx, env, deep) })
			if err != nil {
				return err
			}
			label := "ecinema verify (online) on what this run wrote"
			if deep {
				label = "ecinema verify --deep on what this run wrote"
			}
			out.row(label, s)
			if *compareBin != "" {
				s, err := p.verifyWith(ctx, *compareBin, deep)
				if err != nil {
					return err
				}
				out.row(label+", by "+filepath.Base(*compareBin), s)
			}
			if deep {
				continue
			}
			// Offline: what an auditor downloads (export, checkpoint,
			// public key through HTTP), verified without the database.
			x, err := p.export(ctx)
			if err != nil {
				return fmt.Errorf("perf: export: %w", err)
			}
			out.row("export of what this run wrote (GET /v1/ledger/export, admin key)", x.String())
			s, err = profiled("verify-offline", func() (string, error) { return p.verifyOffline(ctx, env, x) })
			if err != nil {
				return err
			}
			label = "ecinema verify --export (offline) of that export"
			out.row(label, s)
			if *compareBin != "" {
				s, err := p.verifyOfflineWith(ctx, *compareBin, x)
				if err != nil {
					return err
				}
				out.row(label+", by "+filepath.Base(*compareBin), s)
			}
			os.Remove(x.file)
		}
	}
	// Last: the rows below write projection rows outside the ledger, which
	// verify --deep would then report.
	yearBuilt := false
	buildYear := func() error {
		if yearBuilt {
			return nil
		}
		s, err := p.buildPerfYear(ctx, env, rows["yearranking"])
		if err != nil {
			return err
		}
		yearBuilt = true
		out.row("year ranking data (set-based, see perf_yearranking.go)", s)
		return nil
	}
	if rows["yearranking"] {
		if err := buildYear(); err != nil {
			return err
		}
		res, err := p.rankings(ctx, *rankingRequests)
		if err != nil {
			return err
		}
		for _, r := range res {
			out.row(r[0], r[1])
		}
	}
	if rows["close"] {
		if err := buildYear(); err != nil {
			return err
		}
		if err := p.prepareClose(ctx); err != nil {
			return err
		}
		res, err := load("closebase", 256, 1, 4)
		if err != nil {
			return err
		}
		out.load("close: real-time sales, 256 clients, without a close", res)
		closed := p.closeDuring(ctx, *dur/4)
		res, err = load("close", 256, 1, 4)
		if err != nil {
			return err
		}
		out.load("close: the same load while the period close of a national month ("+perfClosePeriod+") runs", res)
		out.row("close: period close of "+perfClosePeriod+" during that load", <-closed)
	}
	return nil
}

// phases are the writer's metrics: seconds per phase, groups, records.
type phases map[string]float64

var phaseNames = []string{"begin_lock", "prepare", "project", "write", "commit"} // commit: builds before the COMMIT was pipelined

func (p *perfServer) writerPhases() phases {
	out := phases{}
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(name, `ecinema_ledger_group_phase_seconds_total{phase="`):
			out[strings.TrimSuffix(strings.TrimPrefix(name, `ecinema_ledger_group_phase_seconds_total{phase="`), `"}`)] = v
		case name == "ecinema_ledger_group_commit_records_count":
			out["groups"] = v
		case name == "ecinema_ledger_group_commit_records_sum":
			out["records"] = v
		}
	}
	return out
}

// since describes the writer's work between two scrapes: groups, records
// a group, and milliseconds a group per phase.
func (a phases) since(b phases) string {
	g := a["groups"] - b["groups"]
	if g <= 0 {
		return "no groups (metrics unavailable)"
	}
	s := fmt.Sprintf("%.0f groups of %.1f records; ms a group:", g, (a["records"]-b["records"])/g)
	total := 0.0
	for _, n := range phaseNames {
		d := (a[n] - b[n]) / g * 1000
		total += d
		s += fmt.Sprintf(" %s %.1f,", n, d)
	}
	return s + fmt.Sprintf(" total %.1f", total)
}

// perfTable prints the result table as Markdown.
type perfTable struct{ w io.Writer }

func (t *perfTable) header() {
	fmt.Fprintf(t.w, "| path | measured (this run, %s) |\n| --- | --- |\n", time.Now().UTC().Format("2006-01-02 15:04Z"))
}

func (t *perfTable) row(name, v string) { fmt.Fprintf(t.w, "| %s | %s |\n", name, v) }

func (t *perfTable) load(name string, r *loadgen.Result) {
	secs := r.Elapsed.Seconds()
	s := fmt.Sprintf("%.0f tickets/s (%.0f requests/s), p50 %s, p99 %s, max %s, %d errors",
		float64(r.Tickets)/secs, float64(r.Requests)/secs, perfMS(r.Latencies.P50), perfMS(r.Latencies.P99), perfMS(r.Latencies.Max), r.ErrorCount())
	t.row(name, s)
}

func perfMS(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

// perfServer is the cluster and the server child process of one run.
type perfServer struct {
	cluster   *pgcluster.Cluster
	dir       string
	socketDir string
	dbURL     string
	url       string
	pprofAddr string
	adminKey  string
	keyFile   string
	cmd       *exec.Cmd
	pool      *pgxpool.Pool
	owner     *pgxpool.Pool // superuser: pg_stat_statements
	keys      *apikey.Store
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startPerfServer(ctx context.Context, env *cmdEnv, exe string, pprof bool) (_ *perfServer, err error) {
	dir, err := os.MkdirTemp("", "ecinema-perf-")
	if err != nil {
		return nil, err
	}
	p := &perfServer{dir: dir}
	defer func() {
		if err != nil {
			p.stop(env)
		}
	}()
	sum := sha256.Sum256([]byte(dir))
	p.socketDir = "/tmp/ecperf-" + hex.EncodeToString(sum[:4])
	p.cluster, err = pgcluster.Start(ctx, pgcluster.Options{
		DataDir: filepath.Join(dir, "pg"), SocketDir: p.socketDir,
		LogFile:  filepath.Join(dir, "postgres.log"),
		Settings: []string{"shared_preload_libraries=pg_stat_statements", "shared_buffers=256MB", "max_wal_size=4GB", "track_wal_io_timing=on"},
	})
	if err != nil {
		return nil, err
	}
	if err := ensureDatabase(ctx, p.cluster.URL("postgres"), "ecinema"); err != nil {
		return nil, err
	}
	p.dbURL = p.cluster.URL("ecinema")
	if err := migrations.Up(ctx, p.dbURL); err != nil {
		return nil, err
	}
	owner, err := postgres.OpenOwner(ctx, p.dbURL)
	if err != nil {
		return nil, err
	}
	_, err = owner.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
	owner.Close()
	if err != nil {
		return nil, fmt.Errorf("pg_stat_statements: %w", err)
	}
	p.keyFile = filepath.Join(dir, "log.key")
	skey, _, err := ledger.GenerateKey(ledger.DefaultOrigin)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.keyFile, []byte(skey+"\n"), 0o600); err != nil {
		return nil, err
	}
	if p.adminKey, err = ensureAdminKey(ctx, p.dbURL, filepath.Join(dir, "admin.key")); err != nil {
		return nil, err
	}
	if p.pool, err = postgres.Open(ctx, p.dbURL); err != nil {
		return nil, err
	}
	if p.owner, err = postgres.OpenOwner(ctx, p.dbURL); err != nil {
		return nil, err
	}
	p.keys = apikey.NewStore(p.pool)
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p.url = "http://" + addr
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	p.cmd = exec.Command(exe, "serve")
	p.cmd.Env = append(os.Environ(), "ECINEMA_DATABASE_URL="+p.dbURL, "ECINEMA_LOG_KEY_FILE="+p.keyFile,
		"ECINEMA_ADDR="+addr, "ECINEMA_RATE_LIMIT=0", "ECINEMA_LOG_LEVEL=warn")
	if pprof {
		if p.pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		p.cmd.Env = append(p.cmd.Env, "ECINEMA_PPROF_ADDR="+p.pprofAddr)
	}
	p.cmd.Stderr = env.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, errors.New("perf: the server did not get ready within 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintf(env.stderr, "perf: PostgreSQL (durable, fsync on) in %s, server %s\n", dir, p.url)
	return p, nil
}

func (p *perfServer) newPOSKey(ctx context.Context, cinemaID string) (string, error) {
	_, secret, err := p.keys.Create(ctx, apikey.Spec{Name: "perf", Role: apikey.RolePOS, CinemaID: cinemaID})
	return secret, err
}

func (p *perfServer) stop(env *cmdEnv) {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
	}
	if p.pool != nil {
		p.pool.Close()
	}
	if p.owner != nil {
		p.owner.Close()
	}
	if p.cluster != nil {
		if err := p.cluster.Stop(); err != nil {
			fmt.Fprintln(env.stderr, err)
		}
	}
	os.RemoveAll(p.dir)
	if p.socketDir != "" {
		os.RemoveAll(p.socketDir)
	}
}

// rss reads the server's peak resident set.
func (p *perfServer) rss() string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var hwm, rss string
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			hwm = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			rss = strings.TrimSpace(v)
		}
	}
	return fmt.Sprintf("peak %s, now %s", hwm, rss)
}

// profile fetches a profile of the server over secs seconds: kind
// "profile" (CPU) or "allocs" (the allocations of those seconds).
func (p *perfServer) profile(ctx context.Context, env *cmdEnv, kind, file string, secs int) {
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", p.pprofAddr, kind, secs), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(env.stderr, "perf: profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(env.stderr, "perf: profile:", err)
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
	fmt.Fprintf(env.stderr, "perf: %s profile in %s (go tool pprof -top %s)\n", kind, file, file)
}

func (p *perfServer) resetStatements(ctx context.Context) {
	p.owner.Exec(ctx, "SELECT pg_stat_statements_reset()")
	p.owner.Exec(ctx, "SELECT pg_stat_reset_shared('wal')")
}

func (p *perfServer) writeStatements(ctx context.Context, file string) {
	rows, err := p.owner.Query(ctx, `SELECT calls, round(total_exec_time)::bigint, round(mean_exec_time::numeric, 3)::text, rows,
  left(regexp_replace(query, '\s+', ' ', 'g'), 160)
FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25`)
	if err != nil {
		return
	}
	defer rows.Close()
	var b strings.Builder
	// The WAL written since the reset: what each commit flushes (the
	// cluster runs with track_wal_io_timing).
	var recs, fpi, bytes int64
	var writeMS, syncMS float64
	var syncs int64
	if p.owner.QueryRow(ctx, `SELECT wal_records, wal_fpi, wal_bytes::bigint, wal_write_time, wal_sync, wal_sync_time FROM pg_stat_wal`).Scan(
		&recs, &fpi, &bytes, &writeMS, &syncs, &syncMS) == nil {
		fmt.Fprintf(&b, "WAL: %d records, %d full-page images, %d bytes; write %.0f ms, %d syncs %.0f ms\n",
			recs, fpi, bytes, writeMS, syncs, syncMS)
	}
	fmt.Fprintf(&b, "%10s %10s %9s %10s  query\n", "calls", "total_ms", "mean_ms", "rows")
	for rows.Next() {
		var calls, total, n int64
		var mean, q string
		if rows.Scan(&calls, &total, &mean, &n, &q) == nil {
			fmt.Fprintf(&b, "%10d %10d %9s %10d  %s\n", calls, total, mean, n, q)
		}
	}
	os.WriteFile(file, []byte(b.String()), 0o644)
}

// verify runs the online verification in this process and reports
// entries/s.
func (p *perfServer) verify(ctx context.Context, env *cmdEnv, deep bool) (string, error) {
	// The newest entries may not be under a checkpoint yet.
	args := []string{"--allow-unsigned-tail"}
	if deep {
		args = append(args, "--deep")
	}
	var n int64
	if err := p.pool.QueryRow(ctx, "SELECT size FROM ledger_heads WHERE log_id = 'main'").Scan(&n); err != nil {
		return "", err
	}
	venv := &cmdEnv{stdout: io.Discard, stderr: env.stderr, getenv: func(k string) string {
		switch k {
		case "ECINEMA_DATABASE_URL":
			return p.dbURL
		case "ECINEMA_LOG_KEY_FILE":
			return p.keyFile
		}
		return ""
	}}
	start := time.Now()
	if err := cmdVerify(ctx, venv, args); err != nil {
		return "", err
	}
	d := time.Since(start)
	return fmt.Sprintf("%d entries in %.1f s: %.0f entries/s", n, d.Seconds(), float64(n)/d.Seconds()), nil
}

// demo loads the demo data set with the server's build and times it.
func (p *perfServer) demo(ctx context.Context, env *cmdEnv, days int, profDir string) (string, error) {
	args := []string{"demo", "--days", strconv.Itoa(days)}
	if profDir != "" {
		// Older builds have no demo --cpuprofile.
		help, _ := exec.CommandContext(ctx, p.cmd.Path, "demo", "--help").CombinedOutput()
		if bytes.Contains(help, []byte("-cpuprofile")) {
			args = append(args, "--cpuprofile", filepath.Join(profDir, "demo.cpu.pprof"))
		}
	}
	// What make run loads: the cinema data and every culture module's
	// demo, the ticketing and museum ones included (they need the ticket
	// key), with the files in the run's own directory.
	ticketKey := filepath.Join(p.dir, "ticket.key")
	if err := writeTicketKey(ticketKey); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, p.cmd.Path, args...)
	cmd.Env = append(os.Environ(), "ECINEMA_DATABASE_URL="+p.dbURL, "ECINEMA_LOG_KEY_FILE="+p.keyFile,
		"ECINEMA_TICKET_KEY_FILE="+ticketKey, "ECINEMA_BLOB_DIR="+filepath.Join(p.dir, "blobs"))
	cmd.Stderr = env.stderr
	start := time.Now()
	if out, err := cmd.Output(); err != nil {
		return "", fmt.Errorf("demo: %v\n%s", err, out)
	}
	d := time.Since(start)
	var entries, tickets int64
	if err := p.pool.QueryRow(ctx, "SELECT (SELECT size FROM ledger_heads WHERE log_id = 'main'), (SELECT count(*) FROM tickets)").Scan(&entries, &tickets); err != nil {
		return "", err
	}
	return fmt.Sprintf("%.1f s: %d entries, %d tickets (%.0f entries/s)", d.Seconds(), entries, tickets, float64(entries)/d.Seconds()), nil
}

// verifyWith runs another build's verify on the same database.
func (p *perfServer) verifyWith(ctx context.Context, bin string, deep bool) (string, error) {
	args := []string{"verify", "--allow-unsigned-tail"} // as p.verify: the newest entries may not be under a checkpoint yet
	if deep {
		args = append(args, "--deep")
	}
	var n int64
	if err := p.pool.QueryRow(ctx, "SELECT size FROM ledger_heads WHERE log_id = 'main'").Scan(&n); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "ECINEMA_DATABASE_URL="+p.dbURL, "ECINEMA_LOG_KEY_FILE="+p.keyFile)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %v: %v\n%s", bin, args, err, out)
	}
	d := time.Since(start)
	return fmt.Sprintf("%d entries in %.1f s: %.0f entries/s", n, d.Seconds(), float64(n)/d.Seconds()), nil
}

// copyShape is one of the COPY rows: how many clients, how many rows a
// transaction, and into which table.
type copyShape struct {
	table          string
	workers, rows  int
	activeSeatsIdx bool   // the partial unique index of tickets_active_seat too
	label, about   string // the row's name and what it measures
	ratioName      string // how the batch row's ratio to it is named, if printed
}

var (
	// copyParallel is the raw COPY baseline of issue 10: 32 clients × 100
	// rows a transaction into a bare table with the tickets' primary key.
	copyParallel = copyShape{table: "perf_copy", workers: 32, rows: 100,
		label: "raw COPY baseline", about: "32 clients × 100 rows a transaction, durable", ratioName: "batch/COPY"}
	// copyShaped is the same load into a table with both unique indexes of
	// tickets: PostgreSQL's own work for the ticket rows alone, with every
	// core free to do it.
	copyShaped = copyShape{table: "perf_copy_shaped", workers: 32, rows: 100, activeSeatsIdx: true,
		label: "COPY into the tickets' shape", about: "32 clients × 100 rows a transaction into a table shaped like tickets with both its unique indexes, durable"}
	// copySerial is the ceiling of a writer that projects the tickets of a
	// group inside one serial transaction: one client, ~1,200 rows (a batch
	// group's tickets) a transaction, into a table with both unique indexes
	// of tickets (the primary key and tickets_active_seat).
	copySerial = copyShape{table: "perf_copy_serial", workers: 1, rows: 1200, activeSeatsIdx: true,
		label: "serial COPY ceiling", about: "1 client × 1,200 rows a transaction into a table shaped like tickets with both its unique indexes, durable", ratioName: "batch/serial COPY"}
)

// ratio is "; batch/COPY = 0.27" when the row has a name for the ratio and
// the batch row ran.
func (c copyShape) ratio(batchRate, rate float64) string {
	if c.ratioName == "" || batchRate <= 0 || rate <= 0 {
		return ""
	}
	return fmt.Sprintf("; %s = %.2f", c.ratioName, batchRate/rate)
}

// cpuBudget says how much CPU a ticket the batch row may use, all sides
// together (server, PostgreSQL, load generator), to reach 0.6 of the
// parallel COPY on this machine's cores even if every core were busy all
// the time, and what it used.
func cpuBudget(cores int, copyRate, batchRate, batchCPU float64) string {
	target := 0.6 * copyRate
	budget := float64(cores) * 1000 / target * 1000 // CPU ms a 1,000 tickets
	return fmt.Sprintf("%.0f tickets/s would allow at most %.1f CPU ms a 1,000 tickets on %d cores; the batch row used %.1f (%.0f tickets/s at its CPU a ticket if every core were busy)",
		target, budget, cores, batchCPU, float64(cores)*1e6/batchCPU)
}

// rawCopy COPYs ticket rows into a fresh table of the tickets' columns
// shaped by c, durable, for d, and returns rows per second; the table is
// dropped after.
func rawCopy(ctx context.Context, dbURL string, c copyShape, d time.Duration) (rate float64, rows int64, err error) {
	owner, err := postgres.OpenOwner(ctx, dbURL+"&pool_max_conns="+strconv.Itoa(c.workers))
	if err != nil {
		return 0, 0, err
	}
	defer owner.Close()
	ddl := fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s; CREATE TABLE %[1]s (
  cinema_id text NOT NULL, id text NOT NULL, screening_id text NOT NULL, film_id text NOT NULL,
  price numeric(12,2) NOT NULL, category text NOT NULL, seat text, channel text NOT NULL,
  sold_at timestamptz NOT NULL, sale_date date NOT NULL, box_office_day date NOT NULL, sale_seq bigint NOT NULL,
  refunded_at timestamptz, refund_seq bigint, PRIMARY KEY (cinema_id, id))`, c.table)
	if c.activeSeatsIdx {
		ddl += fmt.Sprintf(`; CREATE UNIQUE INDEX %[1]s_active_seat ON %[1]s (cinema_id, screening_id, seat)
  WHERE refunded_at IS NULL AND seat IS NOT NULL`, c.table)
	}
	if _, err := owner.Exec(ctx, ddl); err != nil {
		return 0, 0, err
	}
	defer owner.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+c.table)
	cols := []string{"cinema_id", "id", "screening_id", "film_id", "price", "category", "seat", "channel", "sold_at", "sale_date", "box_office_day", "sale_seq"}
	var total atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, c.workers)
	start := time.Now()
	deadline := start.Add(d)
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for w := range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(deadline); k++ {
				rows := make([][]any, c.rows)
				for i := range rows {
					// The baseline's rows as they always were (one screening a
					// client: no seat index); with the seat index, each
					// 100-ticket sale of its own screening and cinema.
					cinema, screening := "c"+strconv.Itoa(w%64), "s"+strconv.Itoa(w)
					if c.activeSeatsIdx {
						sale := (k*c.rows + i) / 100
						cinema, screening = "c"+strconv.Itoa((w+sale)%64), "s"+strconv.Itoa(w)+"-"+strconv.Itoa(sale)
					}
					rows[i] = []any{cinema, fmt.Sprintf("w%d-%d-%d", w, k, i), screening, "film",
						"2500.00", "adult", fmt.Sprintf("R%d-%d", i%100/25+1, i%25+1), "web", time.Now(), day, day, int64(k)}
				}
				n, err := owner.CopyFrom(ctx, pgx.Identifier{c.table}, cols, pgx.CopyFromRows(rows))
				if err != nil {
					errc <- err
					return
				}
				total.Add(n)
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return 0, 0, fmt.Errorf("perf: COPY into %s: %w", c.table, err)
	}
	return float64(total.Load()) / time.Since(start).Seconds(), total.Load(), nil
}
