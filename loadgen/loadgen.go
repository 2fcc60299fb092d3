package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Asia/Almaty on machines without a zoneinfo database

	"github.com/shopspring/decimal"

	"ecinema/ingest/posclient"
	"ecinema/kztime"
)

// hallSeats is the number of seats of every fixture hall.
const hallSeats = 1000

// filmRuntime is the runtime of the fixture film; screenings in a hall
// start filmRuntime plus a 20-minute break apart.
const filmRuntime = 100 * time.Minute

const slot = filmRuntime + 20*time.Minute

// Config is one bench run.
type Config struct {
	URL      string // base URL of the server, http(s)://host[:port]
	AdminKey string // admin API key, used only to register the fixture

	// NewPOSKey returns the secret of a new pos key for cinemaID; it is
	// called once per cinema after the cinema is registered.
	NewPOSKey func(ctx context.Context, cinemaID string) (string, error)

	Duration    time.Duration // how long sales are posted
	MaxRequests int64         // stop after this many sales requests; 0: no limit
	Workers     int           // concurrent senders, each owning one hall
	Tickets     int           // tickets per sales request, 1..1000 (hallSeats)
	TicketsMax  int           // when > Tickets, each request carries Tickets..TicketsMax (uniform)
	Cinemas     int           // fixture cinemas; halls per cinema = ceil(Workers/Cinemas)
	Prefix      string        // start of every id; distinct per run
	Retries     int           // posclient retries per request (0: failures are counted, not retried)

	Progress      io.Writer     // progress lines; nil: none
	ProgressEvery time.Duration // default 5s

	// HTTPClient is used for every request; nil: one with a connection
	// pool sized for Workers that does not follow redirects.
	HTTPClient *http.Client
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,23}$`)

// Limits of a Config.
const (
	maxWorkers  = 1024
	maxCinemas  = 100
	maxDuration = 24 * time.Hour
)

// validate checks c once, naming every problem.
func (c *Config) validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("url %q: want http(s)://host[:port]", c.URL))
	}
	if c.AdminKey == "" {
		errs = append(errs, errors.New("an admin key is required to register the fixture"))
	}
	if c.NewPOSKey == nil {
		errs = append(errs, errors.New("no way to create POS keys (NewPOSKey is nil)"))
	}
	if c.Duration <= 0 || c.Duration > maxDuration {
		errs = append(errs, fmt.Errorf("duration %s: must be in (0, %s]", c.Duration, maxDuration))
	}
	if c.MaxRequests < 0 {
		errs = append(errs, errors.New("max requests must not be negative"))
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		errs = append(errs, fmt.Errorf("workers %d: must be 1..%d", c.Workers, maxWorkers))
	}
	if c.Tickets < 1 || c.Tickets > hallSeats {
		errs = append(errs, fmt.Errorf("tickets %d: must be 1..%d", c.Tickets, hallSeats))
	}
	if c.TicketsMax != 0 && (c.TicketsMax < c.Tickets || c.TicketsMax > hallSeats) {
		errs = append(errs, fmt.Errorf("tickets max %d: must be %d..%d", c.TicketsMax, c.Tickets, hallSeats))
	}
	if c.Cinemas < 1 || c.Cinemas > maxCinemas {
		errs = append(errs, fmt.Errorf("cinemas %d: must be 1..%d", c.Cinemas, maxCinemas))
	}
	if !prefixRE.MatchString(c.Prefix) {
		errs = append(errs, fmt.Errorf("prefix %q: must match %s", c.Prefix, prefixRE))
	}
	if c.Retries < 0 || c.Retries > 10 {
		errs = append(errs, fmt.Errorf("retries %d: must be 0..10", c.Retries))
	}
	return errors.Join(errs...)
}

// DefaultPrefix returns an id prefix derived from t, distinct per second.
func DefaultPrefix(t time.Time) string {
	return "bench" + t.UTC().Format("20060102T150405")
}

// Result is what a run measured.
type Result struct {
	Elapsed    time.Duration    // from the first sales request to the last answer
	Requests   int64            // sales requests answered or failed
	Tickets    int64            // tickets the server accepted (sum of "accepted")
	Screenings int64            // screenings registered
	Latencies  Latencies        // of every completed sales request
	Errors     map[string]int64 // failed requests (sales and screenings) by code
	Stopped    bool             // the context was cancelled before the time was up
}

// ErrorCount is the number of failed requests.
func (r *Result) ErrorCount() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// worker is one sender's state; only its goroutine touches it.
type worker struct {
	n        int
	prefix   string
	cinema   string
	hall     string
	client   *posclient.Client
	next     time.Time // start of the next screening to register
	screen   string    // current screening id; "" before the first
	screenK  int       // screenings registered so far
	sold     int       // seats sold in the current screening
	reqs     int
	lat      []time.Duration
	errs     map[string]int64
	tickets  int64
	screened int64
}

// Run registers the fixture, posts sales until cfg.Duration is up,
// cfg.MaxRequests are sent or ctx is cancelled, and returns the figures.
// An error means the run could not start (bad config, fixture rejected);
// failed sales requests are counted in Result.Errors instead.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 5 * time.Second
	}
	if cfg.Progress != nil { // workers and the ticker write to it
		cfg.Progress = &lockedWriter{w: cfg.Progress}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = newHTTPClient(cfg.Workers)
	}
	fx, err := registerFixture(ctx, hc, cfg, kztime.Location)
	if err != nil {
		return nil, err
	}
	progressf(cfg.Progress, "bench: fixture %s: %d cinemas × %d halls of %d seats, film %s; %d workers, %d tickets a request, %s\n",
		cfg.Prefix, cfg.Cinemas, fx.halls, hallSeats, fx.film, cfg.Workers, cfg.Tickets, cfg.Duration)

	first := firstStart(time.Now(), kztime.Location)
	workers := make([]*worker, cfg.Workers)
	for i := range workers {
		ci := i % cfg.Cinemas
		c, err := posclient.New(cfg.URL, fx.posKeys[ci], posclient.WithHTTPClient(hc), posclient.WithRetryMax(cfg.Retries))
		if err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		workers[i] = &worker{n: i, prefix: cfg.Prefix, cinema: fx.cinemas[ci], hall: hallID(i / cfg.Cinemas), client: c,
			next: first, errs: map[string]int64{}}
	}

	var (
		issued   atomic.Int64 // sales requests started, for MaxRequests
		done     atomic.Int64 // sales requests finished
		accepted atomic.Int64
		failed   atomic.Int64
	)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if cfg.Progress == nil {
			return
		}
		t := time.NewTicker(cfg.ProgressEvery)
		defer t.Stop()
		var lastReq, lastTix int64
		last := start
		for {
			select {
			case <-stopProgress:
				return
			case now := <-t.C:
				r, tx, e := done.Load(), accepted.Load(), failed.Load()
				dt := now.Sub(last).Seconds()
				progressf(cfg.Progress, "bench: %5.1fs  %d requests (%.1f/s)  %d tickets (%.0f/s)  %d errors\n",
					now.Sub(start).Seconds(), r, float64(r-lastReq)/dt, tx, float64(tx-lastTix)/dt, e)
				lastReq, lastTix, last = r, tx, now
			}
		}
	}()

	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if cfg.MaxRequests > 0 && issued.Add(1) > cfg.MaxRequests {
					return
				}
				n := cfg.Tickets
				if cfg.TicketsMax > n {
					n += rand.IntN(cfg.TicketsMax - n + 1)
				}
				if w.screen == "" || w.sold+n > hallSeats {
					if err := w.newScreening(ctx, fx.film, kztime.Location); err != nil {
						if ctx.Err() != nil {
							return // interrupted; no ticket depends on it
						}
						failed.Add(1)
						w.errs["screening "+errorCode(err)]++
						progressf(cfg.Progress, "bench: worker %d stops: %v\n", w.n, err)
						return
					}
				}
				ok, err := w.sell(ctx, n)
				done.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				accepted.Add(int64(ok))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopProgress)
	<-progressDone

	res := &Result{Elapsed: elapsed, Errors: map[string]int64{}, Stopped: ctx.Err() != nil}
	var all []time.Duration
	for _, w := range workers {
		res.Requests += int64(w.reqs)
		res.Tickets += w.tickets
		res.Screenings += w.screened
		all = append(all, w.lat...)
		for k, v := range w.errs {
			res.Errors[k] += v
		}
	}
	res.Latencies = newLatencies(all)
	return res, nil
}

// firstStart is the next full local hour plus one hour, moved out of the
// night.
func firstStart(now time.Time, loc *time.Location) time.Time {
	return dayTime(now.In(loc).Truncate(time.Hour).Add(2*time.Hour), loc)
}

// dayTime moves t to 06:00 local when it falls between 00:00 and 06:00.
func dayTime(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	if l.Hour() < 6 {
		return time.Date(l.Year(), l.Month(), l.Day(), 6, 0, 0, 0, loc)
	}
	return t
}

// newScreening registers the worker's next screening in its hall.
func (w *worker) newScreening(ctx context.Context, film string, loc *time.Location) error {
	starts := dayTime(w.next, loc)
	id := fmt.Sprintf("%s-w%d-s%d", w.prefix, w.n, w.screenK)
	_, err := w.client.PutScreening(ctx, id, posclient.Screening{HallID: w.hall, FilmID: film, StartsAt: starts, Format: "2D", Language: "kk"})
	if err != nil {
		return fmt.Errorf("screening %s in %s/%s at %s: %w", id, w.cinema, w.hall, starts.Format(time.RFC3339), err)
	}
	w.screen, w.sold, w.next = id, 0, starts.Add(slot)
	w.screenK++
	w.screened++
	return nil
}

var price = decimal.RequireFromString("2500")

// sell posts one sales request of n tickets for the next free seats of the
// current screening and records its outcome.
func (w *worker) sell(ctx context.Context, n int) (int, error) {
	soldAt := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	tickets := make([]posclient.Ticket, n)
	for i := range tickets {
		seat := w.sold + i
		tickets[i] = posclient.Ticket{ID: fmt.Sprintf("%s-%d", w.screen, seat), SoldAt: soldAt, Price: price,
			Category: "adult", Seat: fmt.Sprintf("R%d-%d", seat/25+1, seat%25+1), Channel: "web"}
	}
	w.sold += n // seats of a failed request are not reused: its outcome may be unknown
	key := fmt.Sprintf("%s-w%d-r%d", w.prefix, w.n, w.reqs)
	w.reqs++
	t0 := time.Now()
	res, err := w.client.PostSales(ctx, posclient.SalesRequest{ScreeningID: w.screen, Tickets: tickets, IdempotencyKey: key})
	d := time.Since(t0)
	if err != nil {
		code := errorCode(err)
		w.errs[code]++
		if code != "canceled" {
			w.lat = append(w.lat, d)
		}
		return 0, err
	}
	w.lat = append(w.lat, d)
	w.tickets += int64(res.Accepted)
	return res.Accepted, nil
}

// errorCode names a failure for the errors-by-code table: "409
// duplicate_ticket" for an API error, "transport", "canceled", "client".
func errorCode(err error) string {
	var ae *posclient.APIError
	var te *posclient.TransportError
	switch {
	case errors.As(err, &ae):
		if ae.Code == "" {
			return fmt.Sprintf("%d", ae.Status)
		}
		return fmt.Sprintf("%d %s", ae.Status, ae.Code)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.As(err, &te):
		return "transport"
	default:
		return "client"
	}
}

// newHTTPClient keeps a connection per worker alive and never follows a
// redirect, so the bench only ever talks to the URL it was given.
func newHTTPClient(workers int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        workers + 8,
		MaxIdleConnsPerHost: workers + 8,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       posclient.DefaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
