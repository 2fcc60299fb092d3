package loadgen_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/loadgen"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestRunAgainstRealServer runs a 2-second bench against the wired service
// and checks that every ticket it reports accepted is a row in tickets (and
// no other), that every screening it reports is a row in screenings, and
// that no request failed.
func TestRunAgainstRealServer(t *testing.T) {
	env := apptest.New(t)
	var progress bytes.Buffer
	cfg := loadgen.Config{
		URL: env.URL, AdminKey: env.AdminKey,
		NewPOSKey: func(_ context.Context, cinemaID string) (string, error) {
			return env.Key(apikey.RolePOS, cinemaID, ""), nil
		},
		Duration: 2 * time.Second, Workers: 8, Tickets: 10, Cinemas: 2, Prefix: "t1",
		Progress: &progress, ProgressEvery: 500 * time.Millisecond,
	}
	res, err := loadgen.Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := res.ErrorCount(); n != 0 {
		t.Fatalf("%d failed requests: %v", n, res.Errors)
	}
	if res.Requests == 0 || res.Tickets != res.Requests*10 {
		t.Fatalf("requests %d, tickets %d: want some requests of 10 accepted tickets each", res.Requests, res.Tickets)
	}
	if res.Latencies.N != int(res.Requests) || res.Latencies.P50 <= 0 || res.Latencies.P50 > res.Latencies.P99 || res.Latencies.P99 > res.Latencies.Max {
		t.Errorf("latencies %+v for %d requests", res.Latencies, res.Requests)
	}
	if res.Elapsed < 2*time.Second || res.Elapsed > 10*time.Second {
		t.Errorf("elapsed %s, want about 2s", res.Elapsed)
	}

	db := pgtest.OwnerPool(t, env.DBURL)
	var rows, gross, cinemas, screenings int64
	if err := db.QueryRow(t.Context(), `SELECT count(*), COALESCE(sum(price), 0)::bigint, count(DISTINCT cinema_id) FROM tickets`).Scan(&rows, &gross, &cinemas); err != nil {
		t.Fatal(err)
	}
	if rows != res.Tickets {
		t.Errorf("tickets rows = %d, bench reported %d accepted", rows, res.Tickets)
	}
	if gross != rows*2500 || cinemas != 2 {
		t.Errorf("gross %d over %d cinemas, want %d over 2", gross, cinemas, rows*2500)
	}
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM screenings WHERE id LIKE 't1-w%'`).Scan(&screenings); err != nil {
		t.Fatal(err)
	}
	if screenings != res.Screenings || screenings < 8 {
		t.Errorf("screenings rows = %d, bench reported %d (want ≥ 8: one per worker)", screenings, res.Screenings)
	}
	var flagged int64
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM ledger_entries WHERE kind = 'sale' AND cardinality(flags) > 0`).Scan(&flagged); err != nil {
		t.Logf("anomaly flags not checked: %v", err)
	} else if flagged != 0 {
		t.Errorf("%d sale entries carry anomaly flags, want none", flagged)
	}

	if !strings.Contains(progress.String(), "bench: fixture t1: 2 cinemas × 4 halls of 1000 seats") || !strings.Contains(progress.String(), "requests (") {
		t.Errorf("progress output:\n%s", progress.String())
	}
	sum := res.Summary(cfg)
	if !strings.HasPrefix(sum, "bench t1: 8 workers, 10 tickets/request") || !strings.HasSuffix(sum, "; 0 errors") || strings.Contains(sum, "\n") {
		t.Errorf("summary %q", sum)
	}
}

// TestRunMaxRequestsAndRepeat checks the request bound, and that a second
// run with another prefix on the same database does not collide.
func TestRunMaxRequestsAndRepeat(t *testing.T) {
	env := apptest.New(t)
	for _, prefix := range []string{"r1", "r2"} {
		cfg := loadgen.Config{
			URL: env.URL, AdminKey: env.AdminKey,
			NewPOSKey: func(_ context.Context, cinemaID string) (string, error) {
				return env.Key(apikey.RolePOS, cinemaID, ""), nil
			},
			Duration: 30 * time.Second, MaxRequests: 25, Workers: 4, Tickets: 400, Cinemas: 1, Prefix: prefix,
		}
		res, err := loadgen.Run(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		// 400 tickets: two requests fill a 1000-seat screening, the third
		// needs the next one.
		if res.Requests != 25 || res.Tickets != 25*400 || res.ErrorCount() != 0 || res.Screenings < 13 {
			t.Fatalf("%s: requests %d tickets %d screenings %d errors %v", prefix, res.Requests, res.Tickets, res.Screenings, res.Errors)
		}
	}
	var rows int64
	if err := pgtest.OwnerPool(t, env.DBURL).QueryRow(t.Context(), `SELECT count(*) FROM tickets`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 2*25*400 {
		t.Errorf("tickets rows = %d, want %d", rows, 2*25*400)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := loadgen.Run(t.Context(), loadgen.Config{URL: "ftp://x", Workers: 0, Tickets: 1001, Cinemas: 0, Prefix: "-x"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"url", "admin key", "NewPOSKey", "duration", "workers 0", "tickets 1001", "cinemas 0", "prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// TestRunStopsOnCancel checks that cancelling the context (Ctrl-C) ends a
// 30-second run at once, and that only requests cut off by it may be
// missing from the figures.
func TestRunStopsOnCancel(t *testing.T) {
	env := apptest.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	cfg := loadgen.Config{
		URL: env.URL, AdminKey: env.AdminKey,
		NewPOSKey: func(_ context.Context, cinemaID string) (string, error) {
			time.AfterFunc(700*time.Millisecond, cancel) // the last cinema's key comes just before the load
			return env.Key(apikey.RolePOS, cinemaID, ""), nil
		},
		Duration: 30 * time.Second, Workers: 4, Tickets: 2, Cinemas: 1, Prefix: "c1",
	}
	t0 := time.Now()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > 5*time.Second || !res.Stopped {
		t.Fatalf("run took %s, stopped %v", d, res.Stopped)
	}
	for code := range res.Errors {
		if code != "canceled" {
			t.Errorf("errors %v: only canceled requests expected", res.Errors)
		}
	}
	var rows int64
	if err := pgtest.OwnerPool(t, env.DBURL).QueryRow(t.Context(), `SELECT count(*) FROM tickets`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if unknown := 2 * res.Errors["canceled"]; res.Tickets == 0 || rows < res.Tickets || rows > res.Tickets+unknown {
		t.Errorf("tickets rows %d, reported %d accepted and %d canceled requests", rows, res.Tickets, res.Errors["canceled"])
	}
	if !strings.HasSuffix(res.Summary(cfg), "; interrupted") {
		t.Errorf("summary %q", res.Summary(cfg))
	}
}

// TestRunFailures checks that a rejected fixture stops the run with the
// server's answer, and that reusing a prefix is reported by error code
// rather than hidden: the screenings already have sales.
func TestRunFailures(t *testing.T) {
	env := apptest.New(t)
	cfg := loadgen.Config{
		URL: env.URL, AdminKey: "not-a-key",
		NewPOSKey: func(_ context.Context, cinemaID string) (string, error) {
			return env.Key(apikey.RolePOS, cinemaID, ""), nil
		},
		Duration: time.Second, MaxRequests: 4, Workers: 2, Tickets: 1, Cinemas: 1, Prefix: "f1",
	}
	if _, err := loadgen.Run(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "PUT /v1/parties/f1-exh: HTTP 401") {
		t.Fatalf("bad admin key: %v", err)
	}
	cfg.AdminKey = env.AdminKey
	if res, err := loadgen.Run(t.Context(), cfg); err != nil || res.Tickets != 4 || res.ErrorCount() != 0 {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	res, err := loadgen.Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets != 0 || res.Errors["screening 409 screening_has_sales"] != 2 || res.ErrorCount() != 2 {
		t.Errorf("same prefix again: tickets %d, errors %v", res.Tickets, res.Errors)
	}
	if s := res.Summary(cfg); !strings.HasSuffix(s, "; 2 errors (screening 409 screening_has_sales: 2)") {
		t.Errorf("summary %q", s)
	}
}
