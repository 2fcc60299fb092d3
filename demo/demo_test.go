package demo

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/registry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// writer starts a ledger writer on pool for the test.
func writer(t testing.TB, pool *pgxpool.Pool) *ledger.Writer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

var testNow = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWorldShape(t *testing.T) {
	w := NewWorld(1, date("2025-01-01"), date("2025-12-31"))
	regions := map[string]bool{}
	halls := 0
	for _, c := range w.Cinemas {
		regions[c.Region] = true
		halls += len(c.Halls)
	}
	if len(regions) != 20 || len(w.Cinemas) < 105 || len(w.Cinemas) > 120 || halls < 360 || halls > 440 {
		t.Errorf("regions %d cinemas %d halls %d", len(regions), len(w.Cinemas), halls)
	}
	origins := map[string]int{}
	inYear := 0
	for _, f := range w.Films {
		if f.Release.Weekday() != time.Thursday {
			t.Errorf("film %s released on %s", f.ID, f.Release.Weekday())
		}
		if !f.Release.Before(date("2025-01-01")) {
			inYear++
			origins[f.Origin]++
		}
		if f.Title.KK == "" || f.Title.RU == "" || f.Title.EN == "" {
			t.Errorf("film %s lacks a title", f.ID)
		}
	}
	if inYear < 130 || inYear > 175 {
		t.Errorf("%d films released in the year, want about 150", inYear)
	}
	if nat := float64(origins["national"]) / float64(inYear); nat < 0.35 || nat > 0.55 || origins["coproduction"] == 0 {
		t.Errorf("origins %v", origins)
	}
	for _, p := range w.Parties {
		if !registry.ValidBIN(p.BIN) {
			t.Errorf("party %s: invalid BIN %s", p.ID, p.BIN)
		}
	}
	// Deterministic for a seed, different for another.
	if !reflect.DeepEqual(w, NewWorld(1, date("2025-01-01"), date("2025-12-31"))) {
		t.Error("NewWorld is not deterministic")
	}
	if reflect.DeepEqual(w.Parties, NewWorld(2, date("2025-01-01"), date("2025-12-31")).Parties) {
		t.Error("seed does not matter")
	}
}

func TestPlanDay(t *testing.T) {
	w := NewWorld(1, date("2026-03-01"), date("2026-03-31"))
	lo, hi := decimal.NewFromInt(1500), decimal.NewFromInt(4500)
	var tickets, refunds, evening, morning int
	days := map[time.Weekday]int{}
	for d := 0; d < 7; d++ {
		day := date("2026-03-02").AddDate(0, 0, d)
		for ci := range w.Cinemas {
			plan := PlanDay(1, &w, ci, day, 1, false)
			if d == 0 && ci == 0 && !reflect.DeepEqual(plan, PlanDay(1, &w, ci, day, 1, false)) {
				t.Fatal("PlanDay is not deterministic")
			}
			lastEnd := map[string]time.Time{}
			for _, s := range plan {
				if !kztime.BoxOfficeDay(s.StartsAt).Equal(day) {
					t.Fatalf("%s starts %s, box-office day %s", s.ID, s.StartsAt, kztime.BoxOfficeDay(s.StartsAt))
				}
				if s.StartsAt.Before(lastEnd[s.HallID]) {
					t.Fatalf("%s overlaps the hall's previous show", s.ID)
				}
				lastEnd[s.HallID] = s.EndsAt
				h := s.StartsAt.In(kztime.Location).Hour()
				for _, tk := range s.Tickets {
					if tk.Category != "complimentary" && (tk.Price.LessThan(lo) || tk.Price.GreaterThan(hi)) {
						t.Fatalf("ticket %s price %s", tk.ID, tk.Price)
					}
					if !tk.SoldAt.Before(s.StartsAt) {
						t.Fatalf("ticket %s sold at %s after start %s", tk.ID, tk.SoldAt, s.StartsAt)
					}
				}
				tickets += len(s.Tickets)
				refunds += len(s.Refunds)
				days[day.Weekday()] += len(s.Tickets)
				if h >= 18 && h < 22 {
					evening += len(s.Tickets)
				} else if h < 13 && h >= 6 {
					morning += len(s.Tickets)
				}
			}
		}
	}
	perDay := tickets / 7
	if perDay < 40000 || perDay > 85000 {
		t.Errorf("%d tickets a day at scale 1, want about 60000", perDay)
	}
	if r := float64(refunds) / float64(tickets); r < 0.01 || r > 0.03 {
		t.Errorf("refund rate %.3f", r)
	}
	if days[time.Saturday] < days[time.Tuesday]*3/2 || evening < 2*morning {
		t.Errorf("no weekend or evening peak: %v evening %d morning %d", days, evening, morning)
	}
}

func TestLoadSmall(t *testing.T) {
	pool := pgtest.NewPool(t)
	w := writer(t, pool)
	cfg := Config{Days: 3, Scale: 0.03, Seed: 7, Now: func() time.Time { return testNow }}
	st, err := Load(t.Context(), pool, w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", st)
	ctx := t.Context()
	var tickets, refunded, screenings, cinemas, entries, late int64
	var gross decimal.Decimal
	if err := pool.QueryRow(ctx, `SELECT count(*), count(refunded_at), coalesce(sum(price) FILTER (WHERE refunded_at IS NULL), 0) FROM tickets`).Scan(&tickets, &refunded, &gross); err != nil {
		t.Fatal(err)
	}
	pgtest.Row(t, pool, `SELECT count(*) FROM screenings`).Scan(&screenings)
	pgtest.Row(t, pool, `SELECT count(*) FROM cinemas`).Scan(&cinemas)
	pgtest.Row(t, pool, `SELECT count(*) FROM ledger_entries`).Scan(&entries)
	pgtest.Row(t, pool, `SELECT count(*) FROM anomalies WHERE flag = 'late_report'`).Scan(&late)
	if tickets != st.Tickets || refunded != st.Refunds || screenings != st.Screenings || cinemas != int64(st.Cinemas) || gross.StringFixed(2) != st.Gross {
		t.Errorf("stored %d tickets %d refunded %d screenings %d cinemas gross %s; stats %+v", tickets, refunded, screenings, cinemas, gross, st)
	}
	if late == 0 || late != st.LateBatches {
		t.Errorf("late_report anomalies %d, late batches %d", late, st.LateBatches)
	}
	// Every screening, sale and refund request is one ledger entry (plus the registry).
	if entries < st.Screenings+int64(st.Cinemas+st.Films) {
		t.Errorf("%d ledger entries for %d screenings", entries, st.Screenings)
	}
	// Rollup of the same plan equals what ingest wrote (the benchmark's
	// rollup-only fixture relies on it).
	sales, scr := map[SalesKey]*SalesAgg{}, map[ScreeningKey]int{}
	wd := NewWorld(cfg.Seed, date("2026-03-17"), date("2026-03-19"))
	for d := 0; d < 3; d++ {
		day := date("2026-03-17").AddDate(0, 0, d)
		for ci := range wd.Cinemas {
			// Lateness does not change the rollup, only when sales arrive.
			Rollup(PlanDay(cfg.Seed, &wd, ci, day, cfg.Scale, false), sales, scr)
		}
	}
	rows, err := pool.Query(ctx, `SELECT cinema_id, film_id, box_office_day, sale_date, gross, admissions FROM sales_daily WHERE admissions <> 0 OR gross <> 0`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var k SalesKey
		var a SalesAgg
		if err := rows.Scan(&k.CinemaID, &k.FilmID, &k.BoxOfficeDay, &k.SaleDay, &a.Gross, &a.Admissions); err != nil {
			t.Fatal(err)
		}
		n++
		if w := sales[k]; w == nil || !w.Gross.Equal(a.Gross) || w.Admissions != a.Admissions {
			t.Errorf("sales_daily %+v = %s/%d, rollup of the plan %+v", k, a.Gross, a.Admissions, w)
		}
	}
	rows.Close()
	nonzero := 0
	for _, a := range sales {
		if a.Admissions != 0 || !a.Gross.IsZero() {
			nonzero++
		}
	}
	if n != nonzero || n == 0 {
		t.Errorf("sales_daily has %d rows, plan rollup %d", n, nonzero)
	}
	var scrRows, scrSum int64
	pgtest.Row(t, pool, `SELECT count(*), coalesce(sum(screenings), 0) FROM screenings_daily WHERE screenings > 0`).Scan(&scrRows, &scrSum)
	var planSum int64
	for _, v := range scr {
		planSum += int64(v)
	}
	if scrRows != int64(len(scr)) || scrSum != planSum {
		t.Errorf("screenings_daily %d rows / %d, plan %d / %d", scrRows, scrSum, len(scr), planSum)
	}

	// A second load into the same database is refused.
	if _, err := Load(ctx, pool, w, cfg); !errors.Is(err, ErrAlreadyLoaded) {
		t.Errorf("second load: %v", err)
	}
}

// interrupted is a ledger appender that fails every append after the
// first limit, as if the process had been stopped there.
type interrupted struct {
	app   ledger.Appender
	n     atomic.Int64
	limit int64
}

func (a *interrupted) Append(ctx context.Context, r ledger.Record) (ledger.Entry, error) {
	if a.n.Add(1) > a.limit {
		return ledger.Entry{}, errors.New("interrupted")
	}
	return a.app.Append(ctx, r)
}

// ledgerContent is every entry's kind and body, sorted: two loads of one
// data set must hold the same multiset (seq, time and actor differ).
func ledgerContent(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT kind || ' ' || (convert_from(bytes, 'UTF8')::json -> 'body')::text
FROM ledger_entries ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const sqlTicketsContent = `SELECT string_agg(concat_ws(' ', cinema_id, id, screening_id, price, seat, sold_at, refunded_at), E'\n' ORDER BY cinema_id, id) FROM tickets`

// TestLoadResumes interrupts a load twice and runs it again each time: the
// result is the same ledger content and the same tickets as one straight
// load, nothing posted twice. A complete data set, another data set and a
// registry the demo did not write are refused.
func TestLoadResumes(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Days: 2, Scale: 0.02, Seed: 5, Now: func() time.Time { return testNow }}

	straight := pgtest.NewPool(t)
	want, err := Load(ctx, straight, writer(t, straight), cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantEntries := ledgerContent(t, straight)
	var wantTickets string
	pgtest.Row(t, straight, sqlTicketsContent).Scan(&wantTickets)

	pool := pgtest.NewPool(t)
	w := writer(t, pool)
	total := int64(len(wantEntries))
	for _, limit := range []int64{total / 3, total * 2 / 3} {
		_, err := Load(ctx, pool, &interrupted{app: w, limit: limit}, cfg)
		if err == nil || !strings.Contains(err.Error(), "interrupted") {
			t.Fatalf("load interrupted after %d appends: %v", limit, err)
		}
	}
	var before int64
	pgtest.Row(t, pool, "SELECT count(*) FROM ledger_entries").Scan(&before)
	if before < total*2/3 || before >= total {
		t.Fatalf("%d entries after the interrupted loads, want %d..%d", before, total*2/3, total-1)
	}
	got, err := Load(ctx, pool, w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed == 0 || got.Tickets != want.Tickets || got.Refunds != want.Refunds || got.Screenings != want.Screenings || got.Gross != want.Gross {
		t.Errorf("resumed load stats %+v, straight load %+v", got, want)
	}
	if gotEntries := ledgerContent(t, pool); !reflect.DeepEqual(gotEntries, wantEntries) {
		t.Errorf("resumed ledger has %d entries, straight load %d (or other content)", len(gotEntries), len(wantEntries))
	}
	var gotTickets string
	pgtest.Row(t, pool, sqlTicketsContent).Scan(&gotTickets)
	if gotTickets != wantTickets || gotTickets == "" {
		t.Errorf("tickets differ from a straight load (%d vs %d bytes)", len(gotTickets), len(wantTickets))
	}

	// Complete: nothing more is written.
	if _, err := Load(ctx, pool, w, cfg); !errors.Is(err, ErrAlreadyLoaded) {
		t.Errorf("load of a complete data set: %v, want ErrAlreadyLoaded", err)
	}
	other := cfg
	other.Seed = 6
	if _, err := Load(ctx, pool, w, other); !errors.Is(err, errOtherDataset) || !strings.Contains(err.Error(), "--seed 5") {
		t.Errorf("load with another seed: %v, want errOtherDataset naming --seed 5", err)
	}
	if n := len(ledgerContent(t, pool)); n != len(wantEntries) {
		t.Errorf("refused loads wrote entries: %d, want %d", n, len(wantEntries))
	}

	// A registry the demo did not write is left alone.
	mine := pgtest.NewPool(t)
	mw := writer(t, mine)
	reg := registry.NewService(mine, mw)
	wd := NewWorld(1, date("2026-03-01"), date("2026-03-02"))
	if _, err := reg.PutParty(ctx, "test", wd.Parties[0].ID, wd.Parties[0]); err != nil {
		t.Fatal(err)
	}
	c := wd.Cinemas[0]
	for _, p := range wd.Parties {
		if p.ID == c.ExhibitorID {
			if _, err := reg.PutParty(ctx, "test", p.ID, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := reg.PutCinema(ctx, "test", c.ID, c); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, mine, mw, cfg); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("load into a registry with cinemas: %v, want ErrNotEmpty", err)
	}
	var rows int
	pgtest.Row(t, mine, "SELECT count(*) FROM demo_datasets").Scan(&rows)
	if rows != 0 {
		t.Errorf("refused load recorded a data set")
	}
}

// Loaded just after local midnight, the demo ends with the last box-office
// day that has ended: the local day before is still open until 06:00, and
// its late screenings' tickets would be sold after now, which the sales
// rules refuse (make run failed so from 19:00 to 01:00 UTC).
func TestLoadJustAfterLocalMidnight(t *testing.T) {
	pool := pgtest.NewPool(t)
	w := writer(t, pool)
	now := time.Date(2026, 3, 20, 19, 1, 0, 0, time.UTC) // 00:01 on the 21st in Kazakhstan
	if _, err := Load(t.Context(), pool, w, Config{Days: 1, Scale: 0.02, Seed: 7, Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	var last, maxSold time.Time
	pgtest.Row(t, pool, `SELECT max(box_office_day) FROM screenings`).Scan(&last)
	pgtest.Row(t, pool, `SELECT max(sold_at) FROM tickets`).Scan(&maxSold)
	if got := last.Format(time.DateOnly); got != "2026-03-19" || maxSold.After(now) {
		t.Fatalf("last box-office day %s, last sale %s; want 2026-03-19 and no sale after %s", got, maxSold, now)
	}
}
