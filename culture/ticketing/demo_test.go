package ticketing_test

import (
	"errors"
	"testing"
	"time"

	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
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
	if _, err := env.App.Publisher.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.VerifyDB(t.Context(), pgtest.OwnerPool(t, env.DBURL), ledger.VerifyOptions{Verifier: verifier,
		Origin: "ecinema.test/ledger", Deep: []ledger.DeepCheck{ticketing.NewDeepCheck()}}); err != nil {
		t.Fatalf("verify --deep after the demo: %v", err)
	}
}
