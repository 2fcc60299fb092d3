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

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/ingest"
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
	Gross                          string
	Elapsed                        time.Duration
}

// ErrAlreadyLoaded is returned when the database already holds cinemas.
var ErrAlreadyLoaded = errors.New("demo: the database already has cinemas; the demo loads into an empty registry only")

// Appender is the ledger write path (*ledger.Writer).
type Appender = ingest.Appender

// Load writes a demo data set through the real write path: the registry
// service for parties, cinemas and films, the ingest service for every
// screening, sale and refund (one sales request per screening, as a POS
// sends it), each a ledger entry that passed the real rules.
func Load(ctx context.Context, pool *pgxpool.Pool, app Appender, cfg Config) (Stats, error) {
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
		cfg.Last = ingest.LocalDate(realNow).AddDate(0, 0, -1)
	}
	first := cfg.Last.AddDate(0, 0, -(cfg.Days - 1))
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}

	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM cinemas").Scan(&n); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return Stats{}, ErrAlreadyLoaded
	}

	w := NewWorld(cfg.Seed, first, cfg.Last)
	st := Stats{Parties: len(w.Parties), Cinemas: len(w.Cinemas), Films: len(w.Films)}
	for _, c := range w.Cinemas {
		st.Halls += len(c.Halls)
	}
	progress("demo: %d days %s..%s, scale %g, seed %d: %d parties, %d cinemas, %d halls, %d films",
		cfg.Days, first.Format("2006-01-02"), cfg.Last.Format("2006-01-02"), cfg.Scale, cfg.Seed,
		st.Parties, st.Cinemas, st.Halls, st.Films)

	reg := registry.NewService(pool, app)
	if err := parallel(ctx, len(w.Parties), cfg.Workers, func(i int) error {
		p := w.Parties[i]
		_, err := reg.PutParty(ctx, Actor, p.ID, p)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: party: %w", err)
	}
	if err := parallel(ctx, len(w.Cinemas), cfg.Workers, func(i int) error {
		c := w.Cinemas[i]
		_, err := reg.PutCinema(ctx, Actor, c.ID, c)
		return err
	}); err != nil {
		return st, fmt.Errorf("demo: cinema: %w", err)
	}
	if err := parallel(ctx, len(w.Films), cfg.Workers, func(i int) error {
		f := w.Films[i]
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

	var screenings, tickets, refunds, lateN atomic.Int64
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
			for i := range plan {
				s := &plan[i]
				if err := wk.load(ctx, svc, s); err != nil {
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
		progress("demo: day %d/%d %s: %d tickets in %s (%.0f tickets/s)", d+1, cfg.Days, day.Format("2006-01-02"),
			dayTickets.Load(), el.Round(time.Millisecond), float64(dayTickets.Load())/el.Seconds())
	}
	st.Screenings, st.Tickets, st.Refunds, st.LateBatches = screenings.Load(), tickets.Load(), refunds.Load(), lateN.Load()
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

type screeningBody struct {
	HallID   string `json:"hall_id"`
	FilmID   string `json:"film_id"`
	StartsAt string `json:"starts_at"`
	Format   string `json:"format"`
	Language string `json:"language"`
}

type saleBody struct {
	ScreeningID string           `json:"screening_id"`
	Tickets     []saleTicketBody `json:"tickets"`
}

type saleTicketBody struct {
	ID       string `json:"id"`
	SoldAt   string `json:"sold_at"`
	Price    string `json:"price"`
	Category string `json:"category"`
	Seat     string `json:"seat"`
	Channel  string `json:"channel"`
}

type refundBody struct {
	ScreeningID string             `json:"screening_id"`
	Tickets     []refundTicketBody `json:"tickets"`
}

type refundTicketBody struct {
	ID         string `json:"id"`
	RefundedAt string `json:"refunded_at"`
}

const timeLayout = "2006-01-02T15:04:05Z07:00"

func (w *worker) load(ctx context.Context, svc *ingest.Service, s *Screening) error {
	caller := ingest.Caller{KeyID: "demo-pos-" + s.CinemaID, CinemaID: s.CinemaID}
	body, _ := json.Marshal(screeningBody{HallID: s.HallID, FilmID: s.FilmID, StartsAt: s.StartsAt.Format(timeLayout), Format: s.Format, Language: s.Language})
	w.at(s.StartsAt.Add(-4 * 24 * time.Hour))
	if _, err := svc.PutScreening(ctx, caller, s.ID, body); err != nil {
		return fmt.Errorf("put screening: %w", err)
	}
	if len(s.Tickets) == 0 {
		return nil
	}
	var reported time.Time
	for k, bt := range s.Batches {
		sb := saleBody{ScreeningID: s.ID, Tickets: make([]saleTicketBody, 0, bt.To-bt.From)}
		for _, t := range s.Tickets[bt.From:bt.To] {
			sb.Tickets = append(sb.Tickets, saleTicketBody{ID: t.ID, SoldAt: t.SoldAt.Format(timeLayout), Price: t.Price.StringFixed(2),
				Category: t.Category, Seat: t.Seat, Channel: t.Channel})
		}
		body, _ = json.Marshal(sb)
		w.at(bt.ReportAt)
		if bt.ReportAt.After(reported) {
			reported = bt.ReportAt
		}
		if _, err := svc.PostSales(ctx, caller, fmt.Sprintf("sale-%s-%d", s.ID, k+1), body); err != nil {
			return fmt.Errorf("post sales: %w", err)
		}
	}
	if len(s.Refunds) == 0 {
		return nil
	}
	rb := refundBody{ScreeningID: s.ID, Tickets: make([]refundTicketBody, len(s.Refunds))}
	last := s.Refunds[0].RefundedAt
	for i, r := range s.Refunds {
		rb.Tickets[i] = refundTicketBody{ID: r.TicketID, RefundedAt: r.RefundedAt.Format(timeLayout)}
		if r.RefundedAt.After(last) {
			last = r.RefundedAt
		}
	}
	body, _ = json.Marshal(rb)
	if reported.After(last) {
		last = reported
	}
	w.at(last.Add(time.Minute))
	if _, err := svc.PostRefunds(ctx, caller, "refund-"+s.ID, body); err != nil {
		return fmt.Errorf("post refunds: %w", err)
	}
	return nil
}
