package archive_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ecinema/culture/archive"
	"ecinema/internal/apptest"
)

// TestLoadDemo: the demo fond goes in through the real deposit check,
// persons are linked and queued, a second load is refused, and every AIP
// passes fixity.
func TestLoadDemo(t *testing.T) {
	env := apptest.New(t)
	svc := env.App.Archive
	st, err := svc.LoadDemo(context.Background(), 40, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Units != 17 || st.Bags != 17 || st.Persons != 40 || st.Files < 17*8 {
		t.Fatalf("stats %+v", st)
	}
	if _, err := svc.LoadDemo(context.Background(), 40, nil); !errors.Is(err, archive.ErrDemoLoaded) {
		t.Fatalf("second load: %v", err)
	}
	units, _, err := svc.Units(context.Background(), archive.Query{Q: "наградные", Limit: 100})
	if err != nil || len(units) != 8 {
		t.Fatalf("search: %d, %v", len(units), err)
	}
	units, _, err = svc.Units(context.Background(), archive.Query{Person: "ww2-00001"})
	if err != nil || len(units) != 1 {
		t.Fatalf("by person: %d, %v", len(units), err)
	}
	st2, err := svc.Status(context.Background(), "pending", "", 10)
	if err != nil || st2.Counts["pending"] != 40 {
		t.Fatalf("outbox %+v, %v", st2.Counts, err)
	}
	var payload string
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT payload::text FROM archive_sync_outbox WHERE person_id = 'ww2-00001'`).Scan(&payload); err != nil ||
		!strings.Contains(payload, `"dip": "/v1/archive/units/R-1487-1-1/dip"`) || !strings.Contains(payload, `"version": 1`) {
		t.Fatalf("outbox payload %s, %v", payload, err)
	}
	rep, err := svc.Fixity(context.Background(), "test", "", 0)
	if err != nil || rep.AIPs != 17 || len(rep.Failures) != 0 {
		t.Fatalf("fixity %+v, %v", rep, err)
	}
	t.Logf("demo: %+v; fixity %d files %d bytes", st, rep.Files, rep.Bytes)
	// The demo with its fixity events passes verify --deep's rules.
	if err := env.VerifyDeep(t, archive.NewDeepCheck()); err != nil {
		t.Fatalf("verify --deep after the demo: %v", err)
	}
}
