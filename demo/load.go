package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/ingest"
	"ecinema/internal/each"
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
	// Last is the last box-office day (a date as midnight UTC); default
	// the last that has ended at Now (kztime.LastCompleteDay): the sales of
	// an open one could be after Now, which the sales rules refuse.
	Last time.Time
	// Now is the real clock, default time.Now; no sale is reported after it.
	Now func() time.Time
	// Workers posting POS requests at once (group commit gathers them into
	// runs of one kind), default 512.
	Workers int
	// Progress receives one line per loaded day; nil for none.
	Progress io.Writer
	// Claimed, when set, is called once the data set is claimed in the
	// database (a new one, or an interrupted one to finish), before
	// anything else is written; not for a refused load.
	Claimed func()
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
	// errOtherDataset: the database holds a demo data set with other parameters.
	errOtherDataset = errors.New("demo: the database holds another demo data set")
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
		cfg.Workers = 512
	}
	realNow := cfg.Now()
	if cfg.Last.IsZero() {
		cfg.Last = kztime.LastCompleteDay(realNow)
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
	if cfg.Claimed != nil {
		cfg.Claimed()
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
	if err := each.Do(ctx, len(w.Parties), cfg.Workers, func(i int) error {
		p := w.Parties[i]
		if have.parties[p.ID] {
			return nil
		}
		_, err := reg.PutParty(ctx, Actor, p.ID, p)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: party: %w", err)
	}
	if err := each.Do(ctx, len(w.Cinemas), cfg.Workers, func(i int) error {
		c := w.Cinemas[i]
		if have.cinemas[c.ID] {
			return nil
		}
		_, err := reg.PutCinema(ctx, Actor, c.ID, c)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: cinema: %w", err)
	}
	if err := each.Do(ctx, len(w.Films), cfg.Workers, func(i int) error {
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

	// The phases of daysAtOnce days run together: fewer phase ends, where
	// the writer's groups shrink as the last requests drain.
	const daysAtOnce = 3
	var screenings, tickets, refunds, lateN, resumed atomic.Int64
	grossTiyn := atomic.Int64{}
	posters := newPosters(pool, app, realNow, cfg.Workers)
	for d0 := 0; d0 < cfg.Days; d0 += daysAtOnce {
		d1 := min(d0+daysAtOnce, cfg.Days)
		span := first.AddDate(0, 0, d0).Format("2006-01-02")
		if d1-d0 > 1 {
			span += ".." + first.AddDate(0, 0, d1-1).Format("2006-01-02")
		}
		chunkStart := time.Now()
		// The days' plans, every cinema's (and what an interrupted run left).
		var all []dayScreening
		for d := d0; d < d1; d++ {
			day := first.AddDate(0, 0, d)
			plans := make([][]Screening, len(w.Cinemas))
			loaded := make([]map[string]loadedScreening, len(w.Cinemas))
			err := each.Do(ctx, len(w.Cinemas), cfg.Workers, func(ci int) error {
				plans[ci] = PlanDay(cfg.Seed, &w, ci, day, cfg.Scale, late[[2]int{d, ci}])
				if resume {
					l, err := loadedScreenings(ctx, pool, w.Cinemas[ci].ID, plans[ci])
					if err != nil {
						return err
					}
					loaded[ci] = l
					resumed.Add(int64(len(l)))
				}
				return nil
			})
			if err != nil {
				return st, fmt.Errorf("demo: %s: %w", day.Format("2006-01-02"), err)
			}
			for ci := range plans {
				for i := range plans[ci] {
					s := &plans[ci][i]
					all = append(all, dayScreening{s: s, done: loaded[ci][s.ID], late: late[[2]int{d, ci}]})
				}
			}
		}
		// Shaped like production: many concurrent requests of one kind at a
		// time, so the writer decides and projects them in long runs: the
		// days' screenings, then their sales, then their refunds. In the
		// sales phase each poster posts one screening's batches in order
		// (which resuming relies on), then takes the next; the screenings
		// with the most batches go first, so the phase does not end with a
		// few posters working alone (small groups).
		t0 := time.Now()
		if err := posters.run(ctx, len(all), func(p *poster, i int) error { return p.screening(ctx, all[i]) }); err != nil {
			return st, fmt.Errorf("demo: %s: %w", span, err)
		}
		t1 := time.Now()
		var chunkTickets int64
		bySales := make([]dayScreening, len(all))
		copy(bySales, all)
		sort.SliceStable(bySales, func(i, j int) bool { return len(bySales[i].s.Batches) > len(bySales[j].s.Batches) })
		for _, x := range all {
			chunkTickets += int64(len(x.s.Tickets))
		}
		if err := posters.run(ctx, len(bySales), func(p *poster, i int) error {
			for k := range bySales[i].s.Batches {
				if err := p.sale(ctx, bySales[i], k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return st, fmt.Errorf("demo: %s: %w", span, err)
		}
		t2 := time.Now()
		if err := posters.run(ctx, len(all), func(p *poster, i int) error { return p.refund(ctx, all[i]) }); err != nil {
			return st, fmt.Errorf("demo: %s: %w", span, err)
		}
		phases := fmt.Sprintf("screenings %s, sales %s, refunds %s", t1.Sub(t0).Round(time.Millisecond),
			t2.Sub(t1).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond))
		for _, x := range all {
			screenings.Add(1)
			tickets.Add(int64(len(x.s.Tickets)))
			refunds.Add(int64(len(x.s.Refunds)))
			if x.late {
				lateN.Add(int64(len(x.s.Batches)))
			}
			grossTiyn.Add(netGross(x.s))
		}
		el := time.Since(chunkStart)
		// ETA: the mean time per day so far times the days left (later days
		// are busier, so it errs on the short side).
		eta := time.Duration(float64(time.Since(start)) / float64(d1) * float64(cfg.Days-d1)).Round(time.Second)
		days := fmt.Sprintf("day %d/%d", d1, cfg.Days)
		if d1-d0 > 1 {
			days = fmt.Sprintf("days %d-%d/%d", d0+1, d1, cfg.Days)
		}
		progress("demo: %s %s: %d tickets in %s (%.0f tickets/s; %s), about %s left", days, span,
			chunkTickets, el.Round(time.Millisecond), float64(chunkTickets)/el.Seconds(), phases, eta)
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

// netGross is a screening's tickets not refunded, in tiyn.
func netGross(s *Screening) int64 {
	refunded := make(map[string]bool, len(s.Refunds))
	for _, r := range s.Refunds {
		refunded[r.TicketID] = true
	}
	var g int64
	for _, t := range s.Tickets {
		if !refunded[t.ID] {
			g += t.Price.Shift(2).IntPart()
		}
	}
	return g
}

// dayScreening is a planned screening with what an interrupted earlier
// run already wrote of it (the zero value when nothing).
type dayScreening struct {
	s    *Screening
	done loadedScreening
	late bool // its cinema reports the day's sales late
}

// posters are the demo's concurrent POS request senders: each has its own
// ingest.Service whose clock it moves to the time the POS would send the
// request (never later than the real clock), so historical days are not
// all flagged late.
type posters struct {
	list []*poster
}

type poster struct {
	svc     *ingest.Service
	now     time.Time
	realNow time.Time
}

func newPosters(pool *pgxpool.Pool, app ledger.Appender, realNow time.Time, n int) *posters {
	ps := &posters{list: make([]*poster, n)}
	for i := range ps.list {
		p := &poster{realNow: realNow}
		p.svc = ingest.NewService(pool, app, ingest.Config{Now: func() time.Time { return p.now }})
		ps.list[i] = p
	}
	return ps
}

// run calls fn(poster, 0..n-1) on every poster at once and returns the
// first error.
func (ps *posters) run(ctx context.Context, n int, fn func(p *poster, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for _, p := range ps.list[:min(len(ps.list), n)] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(p, i); err != nil {
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

func (p *poster) at(t time.Time) {
	if t.After(p.realNow) {
		t = p.realNow
	}
	p.now = t
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

func caller(s *Screening) ingest.Caller {
	return ingest.Caller{KeyID: "demo-pos-" + s.CinemaID, CinemaID: s.CinemaID}
}

// screening publishes a screening, four days before it starts, unless an
// interrupted earlier run did.
func (p *poster) screening(ctx context.Context, x dayScreening) error {
	s := x.s
	if x.done.exists {
		return nil
	}
	p.at(s.StartsAt.Add(-4 * 24 * time.Hour))
	in := &ingest.Screening{ID: s.ID, HallID: s.HallID, FilmID: s.FilmID, StartsAt: sec(s.StartsAt), Format: s.Format, Language: s.Language}
	if _, err := p.svc.PutScreening(ctx, caller(s), in); err != nil {
		return fmt.Errorf("cinema %s screening %s: put screening: %w", s.CinemaID, s.ID, err)
	}
	return nil
}

// sale posts a screening's k-th sales batch (one entry) at its report
// time, unless an interrupted earlier run did: batches are posted in
// order, so the tickets sold say how many are in.
func (p *poster) sale(ctx context.Context, x dayScreening, k int) error {
	s := x.s
	bt := s.Batches[k]
	if bt.To <= x.done.sold {
		return nil
	}
	sale := &ingest.Sale{ScreeningID: s.ID, Tickets: make([]ingest.Ticket, 0, bt.To-bt.From)}
	for _, t := range s.Tickets[bt.From:bt.To] {
		sale.Tickets = append(sale.Tickets, ingest.Ticket{ID: t.ID, SoldAt: sec(t.SoldAt), Price: t.Price,
			Category: t.Category, Seat: t.Seat, Channel: t.Channel})
	}
	p.at(bt.ReportAt)
	key := fmt.Sprintf("sale-%s-%d", s.ID, k+1)
	if _, err := p.svc.Sell(ctx, caller(s), idem(key, "demo sale", sale), sale); err != nil {
		return fmt.Errorf("cinema %s screening %s: post sales: %w", s.CinemaID, s.ID, err)
	}
	return nil
}

// refund posts a screening's refunds (one request) a minute after the
// last of them and of its sales batches, unless an earlier run did.
func (p *poster) refund(ctx context.Context, x dayScreening) error {
	s := x.s
	if len(s.Refunds) == 0 || x.done.refunded > 0 {
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
	for _, bt := range s.Batches {
		last = later(last, bt.ReportAt)
	}
	p.at(last.Add(time.Minute))
	if _, err := p.svc.Refund(ctx, caller(s), idem("refund-"+s.ID, "demo refund", ref), ref); err != nil {
		return fmt.Errorf("cinema %s screening %s: post refunds: %w", s.CinemaID, s.ID, err)
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
		return false, fmt.Errorf("%w: %s (%s), not %s", errOtherDataset, have, state, want)
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
