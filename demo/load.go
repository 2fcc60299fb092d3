package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/ingest"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/registry"
)

// Actor is the ledger actor of the demo's registry writes; POS writes act
// as the key id "demo-pos-<cinema>".
const Actor = "demo"

// Config says what to load.
type Config struct {
	Days  int     // box-office days, default 30
	Scale float64 // share of Kazakhstan's volume, default 1 (about 60k tickets and 2,700 screenings a day)
	Seed  uint64  // default 1
	// Last is the last box-office day (a date as midnight UTC); default the
	// local day before Now.
	Last time.Time
	// Now is the real clock, default time.Now; no sale is reported after it.
	Now func() time.Time
	// Workers posting POS requests at once (group commit gathers them), default 16.
	Workers int
	// Progress receives one line per loaded day; nil for none.
	Progress io.Writer
}

// Stats count what a load wrote.
type Stats struct {
	Parties, Cinemas, Halls, Films int
	Screenings                     int64
	Tickets                        int64
	Refunds                        int64
	LateBatches                    int64 // sales requests reported more than 24 h late
	Resumed                        int64 // screenings an interrupted earlier run had written (fully or in part)
	Gross                          string
	Elapsed                        time.Duration
}

// Load refuses some databases with these errors (wrapped with details).
var (
	// ErrAlreadyLoaded: the database holds this demo data set, complete.
	ErrAlreadyLoaded = errors.New("demo: the database already holds this demo data set")
	// ErrNotEmpty: the database has cinemas that no demo load wrote.
	ErrNotEmpty = errors.New("demo: the database already has cinemas; the demo loads into an empty registry only")
	// ErrOtherDataset: the database holds a demo data set with other parameters.
	ErrOtherDataset = errors.New("demo: the database holds another demo data set")
)

// Load writes a demo data set through the real write path: the registry
// service for parties, cinemas and films, the ingest service for every
// screening, sale and refund (one sales request per screening, as a POS
// sends it), each a ledger entry that passed the real rules.
func Load(ctx context.Context, pool *pgxpool.Pool, app ledger.Appender, cfg Config) (Stats, error) {
	start := time.Now()
	if cfg.Days <= 0 {
		cfg.Days = 30
	}
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	realNow := cfg.Now()
	if cfg.Last.IsZero() {
		cfg.Last = kztime.LocalDate(realNow).AddDate(0, 0, -1)
	}
	first := cfg.Last.AddDate(0, 0, -(cfg.Days - 1))
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}

	resume, err := claimDataset(ctx, pool, dataset{seed: cfg.Seed, scale: cfg.Scale, first: first, last: cfg.Last})
	if err != nil {
		return Stats{}, err
	}

	w := NewWorld(cfg.Seed, first, cfg.Last)
	st := Stats{Parties: len(w.Parties), Cinemas: len(w.Cinemas), Films: len(w.Films)}
	for _, c := range w.Cinemas {
		st.Halls += len(c.Halls)
	}
	progress("demo: %d days %s..%s, scale %g, seed %d: %d parties, %d cinemas, %d halls, %d films",
		cfg.Days, first.Format("2006-01-02"), cfg.Last.Format("2006-01-02"), cfg.Scale, cfg.Seed,
		st.Parties, st.Cinemas, st.Halls, st.Films)

	// A resumed load skips what an earlier run registered.
	var have struct{ parties, cinemas, films map[string]bool }
	if resume {
		progress("demo: resuming an interrupted load; what is already there is skipped")
		for _, q := range []struct {
			table string
			set   *map[string]bool
		}{{"parties", &have.parties}, {"cinemas", &have.cinemas}, {"films", &have.films}} {
			if *q.set, err = existingIDs(ctx, pool, q.table); err != nil {
				return st, err
			}
		}
	}
	reg := registry.NewService(pool, app)
	if err := parallel(ctx, len(w.Parties), cfg.Workers, func(i int) error {
		p := w.Parties[i]
		if have.parties[p.ID] {
			return nil
		}
		_, err := reg.PutParty(ctx, Actor, p.ID, p)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: party: %w", err)
	}
	if err := parallel(ctx, len(w.Cinemas), cfg.Workers, func(i int) error {
		c := w.Cinemas[i]
		if have.cinemas[c.ID] {
			return nil
		}
		_, err := reg.PutCinema(ctx, Actor, c.ID, c)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: cinema: %w", err)
	}
	if err := parallel(ctx, len(w.Films), cfg.Workers, func(i int) error {
		f := w.Films[i]
		if have.films[f.ID] {
			return nil
		}
		_, err := reg.PutFilm(ctx, Actor, f.ID, f.Film)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: film: %w", err)
	}
	progress("demo: registry written in %s", time.Since(start).Round(time.Millisecond))

	// Offline cinemas: about one cinema-day in 150 reports its sales in a
	// late batch, one to three days later.
	lateRand := seededRand(cfg.Seed, 3)
	late := map[[2]int]bool{}
	for d := 0; d < cfg.Days; d++ {
		for ci := range w.Cinemas {
			if lateRand.Float64() < 1.0/150 {
				late[[2]int{d, ci}] = true
			}
		}
	}

	var screenings, tickets, refunds, lateN, resumed atomic.Int64
	grossTiyn := atomic.Int64{}
	for d := 0; d < cfg.Days; d++ {
		day := first.AddDate(0, 0, d)
		dayStart := time.Now()
		var dayTickets atomic.Int64
		err := parallel(ctx, len(w.Cinemas), cfg.Workers, func(ci int) error {
			isLate := late[[2]int{d, ci}]
			plan := PlanDay(cfg.Seed, &w, ci, day, cfg.Scale, isLate)
			wk := &worker{cinema: w.Cinemas[ci].ID, realNow: realNow}
			svc := ingest.NewService(pool, app, ingest.Config{Now: wk.clock})
			var loaded map[string]loadedScreening
			if resume {
				var err error
				if loaded, err = loadedScreenings(ctx, pool, w.Cinemas[ci].ID, plan); err != nil {
					return err
				}
				resumed.Add(int64(len(loaded)))
			}
			for i := range plan {
				s := &plan[i]
				if err := wk.load(ctx, svc, s, loaded[s.ID]); err != nil {
					return fmt.Errorf("cinema %s screening %s: %w", s.CinemaID, s.ID, err)
				}
				screenings.Add(1)
				tickets.Add(int64(len(s.Tickets)))
				dayTickets.Add(int64(len(s.Tickets)))
				refunds.Add(int64(len(s.Refunds)))
				if isLate {
					lateN.Add(int64(len(s.Batches)))
				}
				var g int64
				refunded := map[string]bool{}
				for _, r := range s.Refunds {
					refunded[r.TicketID] = true
				}
				for _, t := range s.Tickets {
					if !refunded[t.ID] {
						g += t.Price.Shift(2).IntPart()
					}
				}
				grossTiyn.Add(g)
			}
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("demo: %s: %w", day.Format("2006-01-02"), err)
		}
		el := time.Since(dayStart)
		// ETA: the mean time per day so far times the days left (later days
		// are busier, so it errs on the short side).
		eta := time.Duration(float64(time.Since(start)) / float64(d+1) * float64(cfg.Days-d-1)).Round(time.Second)
		progress("demo: day %d/%d %s: %d tickets in %s (%.0f tickets/s), about %s left", d+1, cfg.Days, day.Format("2006-01-02"),
			dayTickets.Load(), el.Round(time.Millisecond), float64(dayTickets.Load())/el.Seconds(), eta)
	}
	if _, err := pool.Exec(ctx, "UPDATE demo_datasets SET completed_at = now()"); err != nil {
		return st, fmt.Errorf("demo: %w", err)
	}
	st.Screenings, st.Tickets, st.Refunds, st.LateBatches = screenings.Load(), tickets.Load(), refunds.Load(), lateN.Load()
	st.Resumed = resumed.Load()
	g := grossTiyn.Load()
	st.Gross = fmt.Sprintf("%d.%02d", g/100, g%100)
	st.Elapsed = time.Since(start)
	progress("demo: done: %d screenings, %d tickets, %d refunds, %d late batches, net gross %s tenge in %s",
		st.Screenings, st.Tickets, st.Refunds, st.LateBatches, st.Gross, st.Elapsed.Round(time.Millisecond))
	return st, nil
}

// parallel runs fn(0..n-1) on at most workers goroutines and returns the
// first error.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// worker posts one cinema's requests with a simulated POS clock: the
// screening is published a day before it starts, the sales arrive at
// ReportAt, the refunds with their time. The clock never passes realNow.
type worker struct {
	cinema  string
	now     time.Time
	realNow time.Time
}

func (w *worker) clock() time.Time { return w.now }

func (w *worker) at(t time.Time) {
	if t.After(w.realNow) {
		t = w.realNow
	}
	w.now = t
}

// sec is a time as the demo plan states it, to the second, in UTC.
func sec(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// idem is the idempotency identity of a typed demo request: its key and a
// hash of the request's JSON encoding.
func idem(key, endpoint string, req any) ingest.Idem {
	b, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	return ingest.Idem{Key: key, Hash: ingest.RequestHash(endpoint, b)}
}

// load sends one screening's requests to the typed services, skipping what
// an interrupted earlier run already wrote (done; the zero value for a
// screening not yet there): sales batches are sent in order, each one
// entry, so the tickets sold say how many batches are in; the refunds are
// one request.
func (w *worker) load(ctx context.Context, svc *ingest.Service, s *Screening, done loadedScreening) error {
	caller := ingest.Caller{KeyID: "demo-pos-" + s.CinemaID, CinemaID: s.CinemaID}
	w.at(s.StartsAt.Add(-4 * 24 * time.Hour))
	if !done.exists {
		in := &ingest.Screening{ID: s.ID, HallID: s.HallID, FilmID: s.FilmID, StartsAt: sec(s.StartsAt), Format: s.Format, Language: s.Language}
		if _, err := svc.PutScreening(ctx, caller, in); err != nil {
			return fmt.Errorf("put screening: %w", err)
		}
	}
	if len(s.Tickets) == 0 {
		return nil
	}
	var reported time.Time
	for k, bt := range s.Batches {
		if bt.To <= done.sold {
			reported = later(reported, bt.ReportAt)
			continue
		}
		sale := &ingest.Sale{ScreeningID: s.ID, Tickets: make([]ingest.Ticket, 0, bt.To-bt.From)}
		for _, t := range s.Tickets[bt.From:bt.To] {
			sale.Tickets = append(sale.Tickets, ingest.Ticket{ID: t.ID, SoldAt: sec(t.SoldAt), Price: t.Price,
				Category: t.Category, Seat: t.Seat, Channel: t.Channel})
		}
		w.at(bt.ReportAt)
		reported = later(reported, bt.ReportAt)
		key := fmt.Sprintf("sale-%s-%d", s.ID, k+1)
		if _, err := svc.Sell(ctx, caller, idem(key, "demo sale", sale), sale); err != nil {
			return fmt.Errorf("post sales: %w", err)
		}
	}
	if len(s.Refunds) == 0 || done.refunded > 0 {
		return nil
	}
	ref := &ingest.Refund{ScreeningID: s.ID, Tickets: make([]ingest.RefundTicket, len(s.Refunds))}
	last := s.Refunds[0].RefundedAt
	for i, r := range s.Refunds {
		ref.Tickets[i] = ingest.RefundTicket{ID: r.TicketID, RefundedAt: sec(r.RefundedAt)}
		if r.RefundedAt.After(last) {
			last = r.RefundedAt
		}
	}
	if reported.After(last) {
		last = reported
	}
	w.at(last.Add(time.Minute))
	if _, err := svc.Refund(ctx, caller, idem("refund-"+s.ID, "demo refund", ref), ref); err != nil {
		return fmt.Errorf("post refunds: %w", err)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// dataset is the parameters of a demo load, as kept in demo_datasets.
type dataset struct {
	seed        uint64
	scale       float64
	first, last time.Time
}

func (d dataset) String() string {
	return fmt.Sprintf("--seed %d --scale %g, %s..%s (--days %d --last %s)", d.seed, d.scale,
		d.first.Format(time.DateOnly), d.last.Format(time.DateOnly),
		int(d.last.Sub(d.first).Hours()/24)+1, d.last.Format(time.DateOnly))
}

// claimDataset records want as the database's demo data set, or finds it
// there from an interrupted run (resume = true). It refuses a database that
// holds another data set, a complete one, or cinemas no demo wrote.
func claimDataset(ctx context.Context, pool *pgxpool.Pool, want dataset) (resume bool, err error) {
	var have dataset
	var completed *time.Time
	err = pool.QueryRow(ctx, `SELECT seed, scale, first_day, last_day, completed_at FROM demo_datasets`).
		Scan(&have.seed, &have.scale, &have.first, &have.last, &completed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var cinemas int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM cinemas").Scan(&cinemas); err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
		if cinemas > 0 {
			return false, ErrNotEmpty
		}
		_, err := pool.Exec(ctx, `INSERT INTO demo_datasets (seed, scale, first_day, last_day) VALUES ($1, $2, $3, $4)`,
			want.seed, want.scale, want.first, want.last)
		if err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
		return false, nil
	case err != nil:
		return false, fmt.Errorf("demo: %w", err)
	case have.seed != want.seed || have.scale != want.scale || !have.first.Equal(want.first) || !have.last.Equal(want.last):
		state := "an interrupted load; run again with these parameters to finish it"
		if completed != nil {
			state = "complete"
		}
		return false, fmt.Errorf("%w: %s (%s), not %s", ErrOtherDataset, have, state, want)
	case completed != nil:
		return false, fmt.Errorf("%w (%s), loaded %s", ErrAlreadyLoaded, have, completed.UTC().Format(time.RFC3339))
	}
	return true, nil
}

// existingIDs lists the ids of a registry table (parties, cinemas, films).
func existingIDs(ctx context.Context, pool *pgxpool.Pool, table string) (map[string]bool, error) {
	rows, err := pool.Query(ctx, "SELECT id FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", table, err)
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// loadedScreening is what an earlier run wrote of one screening.
type loadedScreening struct {
	exists         bool
	sold, refunded int
}

const sqlLoadedScreenings = `
SELECT id, tickets_sold, tickets_sold - tickets_active
FROM screenings
WHERE cinema_id = $1 AND id = ANY($2)`

// loadedScreenings finds which of a cinema-day's planned screenings are
// already in the database, with their tickets sold and refunded.
func loadedScreenings(ctx context.Context, pool *pgxpool.Pool, cinemaID string, plan []Screening) (map[string]loadedScreening, error) {
	ids := make([]string, len(plan))
	for i := range plan {
		ids[i] = plan[i].ID
	}
	rows, err := pool.Query(ctx, sqlLoadedScreenings, cinemaID, ids)
	if err != nil {
		return nil, fmt.Errorf("demo: screenings of %s: %w", cinemaID, err)
	}
	defer rows.Close()
	out := map[string]loadedScreening{}
	for rows.Next() {
		var id string
		var l loadedScreening
		if err := rows.Scan(&id, &l.sold, &l.refunded); err != nil {
			return nil, fmt.Errorf("demo: screenings of %s: %w", cinemaID, err)
		}
		l.exists = true
		out[id] = l
	}
	return out, rows.Err()
}
