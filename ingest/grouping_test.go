package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/ingest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/validate"
)

// TestGroupPathEqualsSinglePath sends the same requests once through a
// writer that commits each request alone and once through a writer that
// finds them all queued and commits them as one group (runs of screenings,
// sales and refunds, with rejections, a twin, a reused key, a freed seat and
// the night-occupancy flag among them). Both ledgers must be
// byte-identical, and so must every projection, the idempotency rows, the
// anomaly rows and every answer. It runs twice: a group in queue order,
// and a group by run (WriterConfig.GroupByRun, the server's writer), whose
// single path sends the requests in the order that group takes them (every
// screening, then every sale, then every refund).
func TestGroupPathEqualsSinglePath(t *testing.T) {
	t.Run("queue order", func(t *testing.T) { checkGroupPath(t, false) })
	t.Run("by run", func(t *testing.T) { checkGroupPath(t, true) })
}

func checkGroupPath(t *testing.T, byRun bool) {
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	steps := groupScript(now)
	ops := make([]groupOp, len(steps))
	for i, st := range steps {
		ops[i] = st.op
	}
	// The order the single paths send the requests in: the order the
	// group takes them.
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	if byRun {
		// byRun: the runs in the order of their first record.
		first := map[string]int{}
		for i, st := range steps {
			if _, ok := first[st.run]; !ok {
				first[st.run] = i
			}
		}
		sort.SliceStable(order, func(a, b int) bool { return first[steps[order[a]].run] < first[steps[order[b]].run] })
		if order[len(order)-1] == len(order)-1 {
			t.Fatal("the script should end with a record that a group by run moves")
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	single := newClockedWorld(t, clock, 1)
	group := newClockedWorld(t, clock, 1000)
	group.w = ledger.NewWriter(group.pool, ledger.WriterConfig{Now: clock, MaxBatch: 1000, GroupByRun: byRun, Logger: quiet})
	group.svc = ingest.NewService(group.pool, group.w, ingest.Config{Now: clock})
	// Alone again, never staying careful: every request that meets a row
	// it did not read (a seat, a ticket id, a key) fails optimistic and is
	// run again careful (ledger.Careful).
	retried := newClockedWorld(t, clock, 1)
	retried.w = ledger.NewWriter(retried.pool, ledger.WriterConfig{Now: clock, MaxBatch: 1, CarefulFor: -1, Logger: quiet})
	retried.svc = ingest.NewService(retried.pool, retried.w, ingest.Config{Now: clock})

	// Single path: each request its own transaction, in order.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go single.w.Run(ctx)
	go retried.w.Run(ctx)
	singleAns := make([]string, len(ops))
	for _, i := range order {
		op := ops[i]
		singleAns[i] = op(ctx, single.svc)
		if a := op(ctx, retried.svc); a != singleAns[i] {
			t.Errorf("request %d: alone %s, alone and retried %s", i, singleAns[i], a)
		}
	}

	// Group path: every request queued before the writer starts.
	groupAns := make([]string, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() { defer wg.Done(); groupAns[i] = op(ctx, group.svc) }()
		deadline := time.Now().Add(10 * time.Second)
		for group.w.Pending() < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("request %d did not reach the writer's queue", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	go group.w.Run(ctx)
	wg.Wait()

	// The script's seat, ticket id and key of earlier requests: each made
	// an optimistic request fail and run again careful.
	if n := retried.w.CarefulRetries(); n < 4 {
		t.Errorf("%d requests retried careful, want at least 4", n)
	}
	for i := range ops {
		if singleAns[i] != groupAns[i] {
			t.Errorf("request %d: alone %s, in a group %s", i, singleAns[i], groupAns[i])
		}
	}
	for _, q := range []string{
		`SELECT seq, encode(bytes, 'escape'), encode(leaf_hash, 'hex'), encode(tree_hashes, 'hex'), cinema_id, film_id, flags FROM ledger_entries`,
		`SELECT size, encode(root_hash, 'hex') FROM ledger_heads`,
		`SELECT * FROM screenings`, `SELECT * FROM tickets`, `SELECT * FROM sales_daily`,
		`SELECT * FROM screenings_daily`, `SELECT * FROM boxoffice_daily`, `SELECT * FROM anomalies`,
		`SELECT key_id, idem_key, encode(request_hash, 'hex'), status, encode(body, 'escape'), entry_seq FROM idempotency_keys`,
	} {
		a, b := dumpRows(t, single.pool, q), dumpRows(t, group.pool, q)
		if a != b {
			t.Errorf("%s\nalone:\n%s\nin a group:\n%s", q, a, b)
		}
		if r := dumpRows(t, retried.pool, q); r != a {
			t.Errorf("%s\nalone:\n%s\nalone and retried:\n%s", q, a, r)
		}
		if a == "" && !strings.Contains(q, "anomalies") {
			t.Errorf("%s: no rows", q)
		}
	}
	if !strings.Contains(dumpRows(t, group.pool, `SELECT flag FROM anomalies`), "night_high_occupancy") {
		t.Error("the script should raise night_high_occupancy")
	}
	// verify --deep replays the same log (screenings, sales and refunds of
	// one buffer, a refunded seat sold again among them) into the same rows.
	_, vkey, err := ledger.GenerateKey("ecinema-test")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*clockedWorld{single, group, retried} {
		if _, err := ledger.VerifyDB(ctx, w.pool, ledger.VerifyOptions{Verifier: v, Deep: []ledger.DeepCheck{ingest.NewDeepCheck()}}); err != nil {
			t.Fatalf("verify --deep: %v", err)
		}
	}
}

type clockedWorld struct {
	pool *pgxpool.Pool
	w    *ledger.Writer
	svc  *ingest.Service
}

// newClockedWorld registers the same parties, cinemas and films as
// newWorld, through a writer with a fixed clock, so that two such worlds
// have byte-identical ledgers; it returns a fresh writer (not running) of
// MaxBatch maxBatch and an ingest service on it.
func newClockedWorld(t *testing.T, clock func() time.Time, maxBatch int) *clockedWorld {
	t.Helper()
	pool := pgtest.Pool(t, pgtest.NewDatabase(t))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	regW := ledger.NewWriter(pool, ledger.WriterConfig{Now: clock, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); regW.Run(ctx) }()
	reg := registry.NewService(pool, regW)
	yes := true
	bins := []string{}
	for i := 0; len(bins) < 3; i++ {
		prefix := fmt.Sprintf("%011d", 91000000000+i*7919)
		for c := '0'; c <= '9'; c++ {
			if b := prefix + string(c); registry.ValidBIN(b) {
				bins = append(bins, b)
				break
			}
		}
	}
	for i, p := range []registry.Party{
		{ID: "ex1", Kind: registry.KindExhibitor, Name: "Kinopark"},
		{ID: "prod1", Kind: registry.KindProducer, Name: "Kazakhfilm"},
		{ID: "dist1", Kind: registry.KindDistributor, Name: "Dist"},
	} {
		p.BIN = bins[i]
		if _, err := reg.PutParty(ctx, "test", p.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []registry.Cinema{
		{ID: "c1", Name: "Kinopark 1", ExhibitorID: "ex1", Region: "KZ-75", City: "Almaty", VATPayer: &yes,
			Halls: []registry.Hall{{ID: "h1", Name: "Hall 1", Seats: 5}, {ID: "h2", Name: "Hall 2", Seats: 200}}},
		{ID: "c2", Name: "Kinopark 2", ExhibitorID: "ex1", Region: "KZ-71", City: "Astana", VATPayer: &yes,
			Halls: []registry.Hall{{ID: "h1", Name: "Hall 1", Seats: 100}}},
	} {
		if _, err := reg.PutCinema(ctx, "test", c.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.PutFilm(ctx, "test", "f1", registry.Film{ID: "f1", Title: registry.Title{KK: "f1", RU: "f1", EN: "f1"},
		Origin: "national", Countries: []string{"KZ"}, ReleaseDate: "2024-01-04", RuntimeMin: 120, AgeRating: "12+",
		Certificate: registry.Certificate{Number: "C-f1", ValidFrom: "2020-01-01", ValidTo: "2099-12-31"},
		ProducerID:  "prod1", DistributorID: "dist1", DistributionFeePct: "15", RecoupableExpenses: "0.00", RoyaltyPct: "0",
		RentalTerms: []registry.RentalStep{{FromWeek: 1, DistributorPct: "55"}}}); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	w := ledger.NewWriter(pool, ledger.WriterConfig{Now: clock, Logger: quiet, MaxBatch: maxBatch})
	return &clockedWorld{pool: pool, w: w, svc: ingest.NewService(pool, w, ingest.Config{Now: clock})}
}

type groupOp func(ctx context.Context, svc *ingest.Service) string

// groupStep is a request of groupScript and the run it goes into (its
// Batcher).
type groupStep struct {
	run string
	op  groupOp
}

// groupScript is the requests of TestGroupPathEqualsSinglePath; each
// returns its answer as a string (the result JSON or the error class and
// message).
func groupScript(now time.Time) []groupStep {
	day := now.In(kztime.Location)
	at := func(days, hh int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day()+days, hh, 0, 0, 0, kztime.Location).UTC()
	}
	c1 := ingest.Caller{KeyID: "pos1", CinemaID: "c1"}
	c2 := ingest.Caller{KeyID: "pos2", CinemaID: "c2"}
	answer := opAnswer
	screening := func(c ingest.Caller, id, hall string, start time.Time) groupStep {
		return groupStep{"screenings", screeningOp(c, id, hall, "f1", start)}
	}
	sale := func(c ingest.Caller, key, scr string, soldAt time.Time, tickets ...string) groupStep {
		return groupStep{"sales", saleOp(c, key, scr, soldAt, tickets...)}
	}
	refund := func(c ingest.Caller, key, scr string, refundedAt time.Time, ids ...string) groupStep {
		r := &ingest.Refund{ScreeningID: scr}
		for _, id := range ids {
			r.Tickets = append(r.Tickets, ingest.RefundTicket{ID: id, RefundedAt: refundedAt})
		}
		b, _ := json.Marshal(r)
		return groupStep{"refunds", func(ctx context.Context, svc *ingest.Service) string {
			return answer(svc.Refund(ctx, c, ingest.Idem{Key: key, Hash: ingest.RequestHash("refund", b)}, r))
		}}
	}
	sold := now.Add(-time.Hour)
	late := now.Add(-30 * time.Hour)
	return []groupStep{
		screening(c1, "s1", "h2", at(1, 19)),
		screening(c1, "s2", "h1", at(1, 15)),
		screening(c1, "s3", "h2", at(1, 20)),                                       // overlaps s1
		screening(c1, "s1", "h2", at(1, 10)),                                       // replaces s1 (no sales yet)
		screening(c1, "s4", "h1", at(2, 1)),                                        // a night screening, 5 seats
		sale(c1, "k1", "s1", sold, "t1@A1", "t2@A2"),                               // ok
		sale(c1, "k2", "s1", sold, "t3@A1"),                                        // seat sold
		sale(c1, "k3", "s1", sold, "t1@A9"),                                        // ticket id sold
		sale(c1, "k1", "s1", sold, "t1@A1", "t2@A2"),                               // twin of k1
		sale(c1, "k1", "s1", sold, "t7@A7"),                                        // k1 reused
		sale(c1, "k4", "s2", sold, "u1@1", "u2@2", "u3@3", "u4@4", "u5@5", "u6@6"), // over capacity
		sale(c1, "k5", "s2", late, "u1@1", "u2@2", "u3@3", "u4@4"),                 // late report
		sale(c1, "k6", "s4", sold, "n1@1", "n2@2", "n3@3"),                         // 3 of 5
		sale(c1, "k7", "s4", sold, "n4@4", "n5@5"),                                 // 5 of 5 at night: flagged
		sale(c2, "k8", "s1", sold, "x1@B1"),                                        // another cinema's screening
		sale(c1, "k9", "s9", sold, "x2@B2"),                                        // no such screening
		refund(c1, "r1", "s1", sold.Add(time.Minute), "t2"),                        // ok
		refund(c1, "r2", "s1", sold.Add(time.Minute), "t2"),                        // already refunded
		refund(c1, "r1", "s1", sold.Add(time.Minute), "t2"),                        // twin of r1
		sale(c1, "k10", "s1", sold.Add(2*time.Minute), "t9@A2"),                    // the refunded seat again
		refund(c1, "r3", "s2", sold.Add(time.Minute), "u1", "t1"),                  // t1 is of s1
		screening(c1, "s1", "h2", at(1, 9)),                                        // s1 has sales
		sale(c1, "k11", "s2", sold, "u9@5"),                                        // 5 of 5
	}
}

// opAnswer is a request's answer as a string: the result JSON, or the
// error class and message.
func opAnswer(v any, err error) string {
	if err != nil {
		var e *validate.Errors
		if errors.As(err, &e) && e.Class != nil {
			return "error " + e.Class.Error() + ": " + e.Message
		}
		return "error " + err.Error()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func screeningOp(c ingest.Caller, id, hall, film string, start time.Time) groupOp {
	return func(ctx context.Context, svc *ingest.Service) string {
		return opAnswer(svc.PutScreening(ctx, c, &ingest.Screening{ID: id, HallID: hall, FilmID: film, StartsAt: start, Format: "2D", Language: "kk"}))
	}
}

// saleOp sells tickets given as "id@seat" at 2,500.00 each.
func saleOp(c ingest.Caller, key, scr string, soldAt time.Time, tickets ...string) groupOp {
	s := &ingest.Sale{ScreeningID: scr}
	for _, t := range tickets {
		id, seat, _ := strings.Cut(t, "@")
		s.Tickets = append(s.Tickets, ingest.Ticket{ID: id, SoldAt: soldAt, Price: decimal.RequireFromString("2500.00"), Category: "adult", Seat: seat, Channel: "web"})
	}
	b, _ := json.Marshal(s)
	return func(ctx context.Context, svc *ingest.Service) string {
		return opAnswer(svc.Sell(ctx, c, ingest.Idem{Key: key, Hash: ingest.RequestHash("sale", b)}, s))
	}
}

// TestScreeningsGroupPathEqualsSinglePath runs a run of screenings decided
// against stored screenings and against each other — overlaps with stored
// and with earlier accepted ones, a stored screening moved away (it no
// longer overlaps) or into another hall (it now does), a replacement that
// excludes its own old version, a screening with sales, unknown hall and
// film — once each request alone and once as one group after the same
// committed first phase. Every answer (the overlapping screening named
// included), the ledger, the projections and the box-office rollups the
// screenings triggers keep must be identical, and verify --deep must pass.
func TestScreeningsGroupPathEqualsSinglePath(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	day := now.In(kztime.Location)
	at := func(days, hh, mm int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day()+days, hh, mm, 0, 0, kztime.Location).UTC()
	}
	c1 := ingest.Caller{KeyID: "pos1", CinemaID: "c1"}
	c2 := ingest.Caller{KeyID: "pos2", CinemaID: "c2"}
	scr := func(c ingest.Caller, id, hall string, start time.Time) groupOp {
		return screeningOp(c, id, hall, "f1", start)
	}
	// f1 runs 120 minutes.
	first := []groupOp{
		scr(c1, "A", "h2", at(1, 10, 0)), // 10:00–12:00
		scr(c1, "B", "h2", at(1, 14, 0)), // 14:00–16:00
		scr(c1, "C", "h1", at(1, 12, 0)), // 12:00–14:00
		saleOp(c1, "k1", "B", now.Add(-time.Hour), "b1@A1"),
	}
	second := []struct {
		op   groupOp
		want string // a part of the answer
	}{
		{scr(c1, "D", "h2", at(1, 12, 0)), `"version":1`},                                            // between A and B
		{scr(c1, "E", "h2", at(1, 11, 0)), `error overlapping screening in the hall: screening "A"`}, // A (stored) and D (run): A starts first
		{scr(c1, "A", "h1", at(1, 16, 0)), `"version":2`},                                            // A moves to hall h1
		{scr(c1, "E", "h2", at(1, 11, 0)), `error overlapping screening in the hall: screening "D"`}, // A is gone from h2
		{scr(c1, "F", "h2", at(1, 9, 30)), `"version":1`},                                            // 9:30–11:30, where A was
		{scr(c1, "B", "h2", at(1, 18, 0)), `error screening has sales`},
		{scr(c1, "G", "h1", at(1, 15, 0)), `error overlapping screening in the hall: screening "A"`},  // A's new version
		{scr(c1, "D", "h2", at(1, 12, 30)), `error overlapping screening in the hall: screening "B"`}, // not its own old version
		{scr(c1, "D", "h2", at(1, 11, 30)), `"version":2`},                                            // F ends 11:30
		{scr(c1, "H", "h9", at(1, 20, 0)), `error unknown hall`},
		{screeningOp(c1, "I", "h1", "f9", at(1, 20, 0)), `error unknown film`},
		{scr(c2, "A", "h1", at(1, 10, 0)), `"version":1`}, // another cinema's A
		{scr(c1, "C", "h2", at(1, 16, 0)), `"version":2`}, // C moves to h2, after B
		{scr(c1, "J", "h1", at(1, 12, 0)), `"version":1`}, // where C was
		{saleOp(c1, "k2", "F", now.Add(-time.Hour), "f1@A1"), `"accepted":1`},
		{scr(c1, "F", "h2", at(1, 9, 0)), `error screening has sales`},
	}
	single := newClockedWorld(t, clock, 1)
	group := newClockedWorld(t, clock, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go single.w.Run(ctx)
	gctx, gcancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); group.w.Run(gctx) }()
	for i, op := range first {
		if a, b := op(ctx, single.svc), op(ctx, group.svc); a != b || strings.HasPrefix(a, "error") {
			t.Fatalf("first phase, request %d: alone %s, other world %s", i, a, b)
		}
	}
	gcancel()
	<-stopped
	// A fresh writer finds the second phase queued: one group.
	group.w = ledger.NewWriter(group.pool, ledger.WriterConfig{Now: clock, MaxBatch: 1000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	group.svc = ingest.NewService(group.pool, group.w, ingest.Config{Now: clock})
	groupAns := make([]string, len(second))
	var wg sync.WaitGroup
	for i, x := range second {
		wg.Add(1)
		go func() { defer wg.Done(); groupAns[i] = x.op(ctx, group.svc) }()
		deadline := time.Now().Add(10 * time.Second)
		for group.w.Pending() < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("request %d did not reach the writer's queue", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	go group.w.Run(ctx)
	wg.Wait()
	for i, x := range second {
		a := x.op(ctx, single.svc)
		if !strings.Contains(a, x.want) {
			t.Errorf("request %d alone: %s, want it to contain %s", i, a, x.want)
		}
		if a != groupAns[i] {
			t.Errorf("request %d: alone %s, in a group %s", i, a, groupAns[i])
		}
	}
	for _, q := range []string{
		`SELECT seq, encode(bytes, 'escape'), encode(leaf_hash, 'hex'), encode(tree_hashes, 'hex'), cinema_id, film_id, flags FROM ledger_entries`,
		`SELECT size, encode(root_hash, 'hex') FROM ledger_heads`,
		`SELECT * FROM screenings`, `SELECT * FROM screenings_daily`, `SELECT * FROM tickets`, `SELECT * FROM sales_daily`,
		`SELECT * FROM screens_daily`, `SELECT * FROM screens_monthly`, `SELECT * FROM screenings_region_daily`,
		`SELECT * FROM screenings_region_monthly`, `SELECT * FROM boxoffice_hall_numbers`,
	} {
		a, b := dumpRows(t, single.pool, q), dumpRows(t, group.pool, q)
		if a != b {
			t.Errorf("%s\nalone:\n%s\nin a group:\n%s", q, a, b)
		}
		if a == "" {
			t.Errorf("%s: no rows", q)
		}
	}
	_, vkey, err := ledger.GenerateKey("ecinema-test")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*clockedWorld{single, group} {
		if _, err := ledger.VerifyDB(ctx, w.pool, ledger.VerifyOptions{Verifier: v, Deep: []ledger.DeepCheck{ingest.NewDeepCheck()}}); err != nil {
			t.Fatalf("verify --deep: %v", err)
		}
	}
}

// dumpRows returns the rows of q as sorted text lines.
func dumpRows(t *testing.T, pool *pgxpool.Pool, q string) string {
	t.Helper()
	var s *string
	if err := pool.QueryRow(context.Background(), `SELECT string_agg(r::text, E'\n' ORDER BY r::text) FROM (`+q+`) r`).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if s == nil {
		return ""
	}
	return *s
}
