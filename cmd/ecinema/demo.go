package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/boxoffice"
	"ecinema/culture/blobstore"
	"ecinema/culture/ticketing"
	"ecinema/demo"
	"ecinema/demo/museumdemo"
	"ecinema/internal/postgres"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/migrations"
)

// cmdDemo loads the demo data set through the real write path:
//
//	ecinema demo [--days 30] [--scale 1] [--seed 1] [--last YYYY-MM-DD] [--workers 512]
//	             [--cpuprofile FILE]
//
// Progress goes to stderr, the summary to stdout. Running it again with the
// same flags finishes an interrupted load (what is there is skipped); a
// database that holds the complete data set, or cinemas no demo wrote, is
// left alone (exit 0 with a note); one that holds a demo data set with
// other parameters is refused (exit 1, naming them).
func cmdDemo(ctx context.Context, env *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	days := fs.Int("days", 30, "box-office days to generate, ending with the last that has ended (or --last)")
	scale := fs.Float64("scale", 1, "share of Kazakhstan's volume (1 = about 60k tickets and 2,700 screenings a day)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same data set")
	last := fs.String("last", "", "last box-office day YYYY-MM-DD (default: the last that has ended; a box-office day ends at 06:00 local time the next day)")
	workers := fs.Int("workers", 512, "concurrent POS request senders")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load to FILE")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("demo takes only flags")
	}
	if *days < 1 || *days > 3660 {
		return usagef("--days must be 1..3660")
	}
	if *scale <= 0 || *scale > 100 {
		return usagef("--scale must be in (0, 100]")
	}
	start := time.Now()
	// The load allocates much and keeps little: collect as the server does.
	setServerGC()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	// The cinema load and the culture loads run at the same time and share
	// stderr.
	stderr := &syncWriter{w: env.stderr}
	cfg := demo.Config{Days: *days, Scale: *scale, Seed: *seed, Workers: *workers, Progress: stderr}
	// Every module's demo ends on the same day: the last box-office day
	// that has ended (from local midnight to 06:00 the day before is still
	// open, and its late sales would be in the future), or --last.
	cfg.Last = kztime.LastCompleteDay(time.Now())
	if *last != "" {
		t, err := boxoffice.ParseDate(*last)
		if err != nil {
			return usagef("--last: %v", err)
		}
		if t.After(cfg.Last) {
			return usagef("--last must be a box-office day that has ended (%s or before): the sales of a later one would be in the future", cfg.Last.Format(time.DateOnly))
		}
		cfg.Last = t
	}
	url, err := databaseURL(env.getenv)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, url); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	wctx, stop := context.WithCancel(ctx)
	w := ledger.NewWriter(pool, ledger.WriterConfig{GroupByRun: true})
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()

	// The culture modules' data does not depend on the cinemas': it loads
	// at the same time, through the same writer. Its records join the
	// cinema load's groups (GroupByRun: one run per kind, the plain records
	// last, so the cinema runs stay long and optimistic), instead of
	// a second writer on the log taking turns with this one for the head
	// lock, each group waiting for the other's whole transaction. It
	// starts once the cinema data set is claimed (a refused one starts
	// nothing new), and its summaries follow the cinema's on stdout.
	type loaded struct {
		st  demo.Stats
		err error
	}
	claimed := make(chan struct{})
	cfg.Claimed = func() { close(claimed) }
	cinema := make(chan loaded, 1)
	go func() {
		st, err := demo.Load(ctx, pool, w, cfg)
		cinema <- loaded{st, err}
	}()
	var res loaded
	got := false
	select {
	case <-claimed:
	case res = <-cinema:
		got = true
	}
	fatal := func(err error) bool {
		return err != nil && !errors.Is(err, demo.ErrAlreadyLoaded) && !errors.Is(err, demo.ErrNotEmpty)
	}
	if got && fatal(res.err) {
		return res.err
	}
	cctx, cancelCulture := context.WithCancel(ctx)
	defer cancelCulture()
	// The culture modules have a pool of their own, so that their many
	// concurrent reads never keep a connection from the writer.
	cpool, err := postgres.Open(ctx, url, postgres.MaxConns(cultureConns))
	if err != nil {
		return err
	}
	defer cpool.Close()
	parts := make([]bytes.Buffer, 5)
	penv := func(i int) *cmdEnv { return &cmdEnv{getenv: env.getenv, stdout: &parts[i], stderr: stderr} }
	type finished struct {
		name string
		err  error
		at   time.Time
	}
	const loaders = 5
	culture := make(chan finished, loaders)
	cultureStart := time.Now()
	finish := func(name string, err error) { culture <- finished{name, err, time.Now()} }
	// The museums build on the ticketing demo's venues: their demo starts
	// as soon as those are written (or were there), beside the rest of
	// the ticketing demo.
	venues := make(chan bool, 1)
	var venuesOnce sync.Once
	venuesReady := func(ok bool) { venuesOnce.Do(func() { venues <- ok }) }
	go func() {
		err := loadTicketingDemo(cctx, penv(0), cpool, w, *days, cfg.Last, func() { venuesReady(true) })
		venuesReady(err == nil)
		finish("ticketing", err)
	}()
	go func() {
		if !<-venues {
			finish("museum", nil) // the ticketing demo failed: its error is the one reported
			return
		}
		finish("museum", loadMuseumDemo(cctx, penv(2), cpool, w, cfg))
	}()
	go func() { finish("archive", loadArchiveDemo(cctx, penv(1), cpool, w)) }()
	go func() { finish("library", loadLibraryDemo(cctx, penv(3), cpool, w, cfg.Last)) }()
	go func() { finish("ngo, fund and hubs", loadNGOFundHubsDemo(cctx, penv(4), cpool, w)) }()
	var cultureTook time.Duration
	waitCulture := func() error {
		var first error
		last := cultureStart
		var took []string
		for range loaders {
			d := <-culture
			took = append(took, fmt.Sprintf("%s %s", d.name, d.at.Sub(cultureStart).Round(time.Millisecond)))
			if d.err != nil && first == nil {
				first = d.err
				cancelCulture()
			}
			if d.at.After(last) {
				last = d.at
			}
		}
		cultureTook = last.Sub(cultureStart)
		if first == nil {
			fmt.Fprintf(stderr, "demo: culture modules loaded in %s (%s)\n", cultureTook.Round(time.Millisecond), strings.Join(took, ", "))
		}
		return first
	}

	if !got {
		res = <-cinema
	}
	st, err := res.st, res.err
	switch {
	case errors.Is(err, demo.ErrAlreadyLoaded) || errors.Is(err, demo.ErrNotEmpty):
		fmt.Fprintf(stderr, "%v; nothing loaded\n", err)
	case err != nil:
		cancelCulture()
		waitCulture()
		return err
	default:
		if st.Resumed > 0 {
			fmt.Fprintf(stderr, "demo: finished an interrupted load (%d screenings were already there)\n", st.Resumed)
		}
		fmt.Fprintf(env.stdout, "demo loaded: %d cinemas, %d halls, %d films, %d screenings, %d tickets, %d refunds, %d late batches, net gross %s KZT in %s\n",
			st.Cinemas, st.Halls, st.Films, st.Screenings, st.Tickets, st.Refunds, st.LateBatches, st.Gross, st.Elapsed.Round(time.Millisecond))
	}
	err = waitCulture()
	for i := range parts {
		env.stdout.Write(parts[i].Bytes())
	}
	if err == nil {
		cinemaTook := "already there"
		if st.Elapsed > 0 {
			cinemaTook = st.Elapsed.Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(stderr, "demo: all demo data loaded in %s (cinema data %s, culture modules %s beside it)\n",
			time.Since(start).Round(100*time.Millisecond), cinemaTook, cultureTook.Round(100*time.Millisecond))
	}
	return err
}

// cultureConns is the size of the culture modules' pool during a demo
// load.
const cultureConns = 12

// syncWriter serialises the writes of concurrent loaders.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// loadTicketingDemo loads the culture ticketing demo (theatres, concert
// halls and museums with a month of sales and check-ins); it needs
// ECINEMA_TICKET_KEY_FILE to create the venues' signing keys.
func loadTicketingDemo(ctx context.Context, env *cmdEnv, pool *pgxpool.Pool, w *ledger.Writer, days int, last time.Time, venuesReady func()) error {
	sealer, err := loadTicketSealer(strings.TrimSpace(env.getenv("ECINEMA_TICKET_KEY_FILE")))
	if err != nil {
		return err
	}
	if sealer == nil {
		fmt.Fprintln(env.stderr, "ticketing demo not loaded: ECINEMA_TICKET_KEY_FILE is not set (ecinema ticketkey generate FILE)")
		return nil
	}
	tst, err := ticketing.LoadDemo(ctx, pool, w, sealer, ticketing.DemoConfig{Days: min(days, 60), Last: last, Progress: env.stderr,
		VenuesReady: venuesReady})
	if errors.Is(err, ticketing.ErrDemoLoaded) {
		fmt.Fprintf(env.stderr, "%v; nothing loaded\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "ticketing demo loaded: %d venues, %d events, %d sessions, %d tickets, %d refunded, %d admitted, %d duplicate_offline in %s\n",
		tst.Venues, tst.Events, tst.Sessions, tst.Tickets, tst.Refunds, tst.Admitted, tst.Duplicates, tst.Elapsed.Round(time.Millisecond))
	return nil
}

// loadMuseumDemo loads the museums' catalogues (objects, pictures, custody
// events) into the ticketing demo's museums and a regional museum of its
// own with timed-entry sessions and sales; like every venue it needs the
// ticket key, and the blob store for the pictures.
func loadMuseumDemo(ctx context.Context, env *cmdEnv, pool *pgxpool.Pool, w *ledger.Writer, cfg demo.Config) error {
	sealer, err := loadTicketSealer(strings.TrimSpace(env.getenv("ECINEMA_TICKET_KEY_FILE")))
	if err != nil {
		return err
	}
	if sealer == nil {
		fmt.Fprintln(env.stderr, "museum demo not loaded: ECINEMA_TICKET_KEY_FILE is not set (museums are ticketing venues)")
		return nil
	}
	blobs, err := blobstore.NewFS(env.getenv("ECINEMA_BLOB_DIR"), 0)
	if err != nil {
		return fmt.Errorf("ECINEMA_BLOB_DIR: %w", err)
	}
	ms, err := museumdemo.Load(ctx, pool, w, museumdemo.Config{Blobs: blobs, Sealer: sealer, Seed: cfg.Seed, Days: min(cfg.Days, 60),
		Last: cfg.Last, Progress: env.stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "museum demo loaded: %d museums, %d objects (%d already there), %d images, %d events, %d timed-entry sessions, %d tickets in %s\n",
		ms.Museums, ms.Objects, ms.Skipped, ms.Images, ms.Events, ms.Sessions, ms.Tickets, ms.Elapsed.Round(time.Millisecond))
	return nil
}
