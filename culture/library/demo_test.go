package library_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ecinema/culture/library"
)

// TestLoadDemo: the demo catalogue loads through the real write path, the
// month of loans earns the in-copyright works their lending right, the
// projections rebuild, and a second load is refused.
func TestLoadDemo(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	last := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	st, err := w.svc.LoadDemo(ctx, w.App.Registry, last, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo: %+v", st)
	if st.Works != 9 || st.Editions != 21 || st.Readers != 16 || st.Loans < 100 || st.Returns == 0 || st.Card == "" {
		t.Fatalf("demo stats %+v", st)
	}
	if _, err := w.svc.Authenticate(ctx, st.Card, st.Password); err != nil {
		t.Fatalf("the printed reader cannot sign in: %v", err)
	}
	langs, err := w.svc.Languages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(langs) != 4 { // en, kk, kk-Latn, ru
		t.Fatalf("languages %+v", langs)
	}
	rep, err := w.svc.Remuneration(ctx, last.AddDate(0, 0, -30).Format(time.DateOnly), last.Format(time.DateOnly), "", "kk")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Holders) != 3 || !rep.Allocated.IsPositive() || !rep.Allocated.Add(rep.Unallocated.Decimal).Equal(rep.Pool.Decimal) {
		t.Fatalf("remuneration: %d holders, allocated %s + unallocated %s vs pool %s", len(rep.Holders), rep.Allocated.StringFixed(2), rep.Unallocated.StringFixed(2), rep.Pool.StringFixed(2))
	}
	if _, err := w.svc.LoadDemo(ctx, w.App.Registry, last, nil); !errors.Is(err, library.ErrDemoLoaded) {
		t.Fatalf("second load: %v", err)
	}
	w.deepVerify(t)
}
