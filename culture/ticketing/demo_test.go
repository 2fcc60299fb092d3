package ticketing_test

import (
	"errors"
	"testing"
	"time"

	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestDemoLoads loads a few days of the demo through the real write path:
// sales, refunds and gate batches with admissions and duplicate_offline
// scans; the projections rebuild from the ledger; a second load is refused.
func TestDemoLoads(t *testing.T) {
	mk, _ := ticketing.GenerateMasterKey()
	sealer, _ := ticketing.NewSealer(mk)
	env := apptest.New(t, func(c *app.Config) { c.TicketSealer = sealer })
	days := 2
	if testing.Short() {
		days = 1
	}
	st, err := ticketing.LoadDemo(t.Context(), env.App.Pool, env.App.Writer, sealer, ticketing.DemoConfig{Days: days, Last: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo, %d days: %+v", days, st)
	if st.Venues != 7 || st.Sessions == 0 || st.Tickets == 0 || st.Admitted == 0 || st.Admitted > st.Tickets*3 {
		t.Fatalf("stats = %+v", st)
	}
	var tickets, admitted int
	if err := env.App.Pool.QueryRow(t.Context(), "SELECT count(*), coalesce(sum(admitted), 0) FROM ticketing_tickets").Scan(&tickets, &admitted); err != nil {
		t.Fatal(err)
	}
	if tickets != st.Tickets || admitted != st.Admitted {
		t.Fatalf("register: %d tickets, %d admitted; loader says %d, %d", tickets, admitted, st.Tickets, st.Admitted)
	}
	if _, err := ticketing.LoadDemo(t.Context(), env.App.Pool, env.App.Writer, sealer, ticketing.DemoConfig{Days: 1}); !errors.Is(err, ticketing.ErrDemoLoaded) {
		t.Fatalf("second load: %v", err)
	}
	if err := env.VerifyDeep(t, ticketing.NewDeepCheck()); err != nil {
		t.Fatalf("verify --deep after the demo: %v", err)
	}
}

// TestDemoConcurrencyKeepsData loads the demo one request at a time (as
// it once loaded) and with its days and requests concurrent: the
// sessions and tickets stored (sales, refunds, admissions, gates) and the
// counts are the same; only ledger order and signed codes differ.
func TestDemoConcurrencyKeepsData(t *testing.T) {
	last := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	load := func(cfg ticketing.DemoConfig) (ticketing.DemoStats, string) {
		mk, _ := ticketing.GenerateMasterKey()
		sealer, _ := ticketing.NewSealer(mk)
		env := apptest.New(t, func(c *app.Config) { c.TicketSealer = sealer })
		cfg.Days, cfg.Last = 3, last
		st, err := ticketing.LoadDemo(t.Context(), env.App.Pool, env.App.Writer, sealer, cfg)
		if err != nil {
			t.Fatal(err)
		}
		st.Elapsed = 0
		var rows string
		pgtest.Row(t, env.App.Pool, `SELECT
  (SELECT string_agg(concat_ws('|', id, event_id, venue_id, starts_at, ends_at, capacity, version, tickets_sold, tickets_active, gross), E'\n' ORDER BY id) FROM ticketing_sessions)
  || E'\n' ||
  (SELECT string_agg(concat_ws('|', id, session_id, tariff, price, seat, admissions, sold_at, refunded_at, admitted, last_admitted_at, last_gate), E'\n' ORDER BY id) FROM ticketing_tickets)`).Scan(&rows)
		return st, rows
	}
	st1, rows1 := load(ticketing.DemoConfig{DayWorkers: 1, Workers: 1})
	st2, rows2 := load(ticketing.DemoConfig{DayWorkers: 3, Workers: 16})
	if st1 != st2 {
		t.Errorf("stats: one at a time %+v, concurrent %+v", st1, st2)
	}
	if rows1 != rows2 || rows1 == "" {
		t.Errorf("stored sessions and tickets differ (%d and %d bytes)", len(rows1), len(rows2))
	}
}
