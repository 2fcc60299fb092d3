package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/culture/blobstore"
	"ecinema/ingest/posclient"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// TestDatabaseDown (issue 13 D3): with the database unreachable every
// route, the public checkpoint included, answered 500 internal. It is 503
// with Retry-After, which posclient retries.
func TestDatabaseDown(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	signer, verifier, _ := ledger.GenerateKey("ecinema-test")
	s, _ := ledger.NewSigner(signer)
	blobs, err := blobstore.NewFS(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(pool, app.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Signer: s, Verifier: verifier,
		LogOrigin: "ecinema.test/ledger", DBTimeout: 2 * time.Second, Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.API)
	defer srv.Close()
	e := &apptest.Env{T: t, URL: srv.URL}
	key := "eck_" + strings.Repeat("a", 40)
	for _, tc := range []struct{ method, path, key string }{
		{"GET", "/v1/ledger/checkpoint", ""},
		{"GET", "/v1/regions", key},
		{"GET", "/v1/films", key},
		{"POST", "/v1/sales", key},
	} {
		r := e.Do(tc.method, tc.path, tc.key, nil, "Idempotency-Key", "k1")
		if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.ErrorCode(), "database_") {
			t.Errorf("%s %s: %d Retry-After=%q %s", tc.method, tc.path, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	}
}

// TestDatabaseFrozen (D2): a database that stops answering (here: a lock
// another session holds, as a frozen server looks to a client) made GETs
// wait 25 s and sales 45 s. Each request's database work has a deadline
// (ECINEMA_DB_TIMEOUT) and answers 503 past it; streams get an idle
// deadline; posclient retries the 503 and its sale lands once the database
// answers again.
func TestDatabaseFrozen(t *testing.T) {
	// Long enough that setting up the world on a busy machine stays inside it.
	const timeout = 1500 * time.Millisecond
	w := newStWorldWith(t, func(c *app.Config) { c.DBTimeout = timeout })
	w.screening(t, "s1", "film-a", w.at(2026, 1, 9, 19, 0))
	owner := pgtest.OwnerPool(t, w.DBURL)
	ctx := context.Background()
	freeze := func(tables string) func() {
		tx, err := owner.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE "+tables+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		return func() { tx.Rollback(ctx) }
	}
	check := func(name string, r apptest.Response, took time.Duration) {
		t.Helper()
		if r.Status != 503 || r.Header.Get("Retry-After") == "" || took > timeout+2*time.Second {
			t.Errorf("%s: %d after %v, Retry-After=%q %s", name, r.Status, took, r.Header.Get("Retry-After"), r.Body)
		}
	}
	timed := func(f func() apptest.Response) (apptest.Response, time.Duration) {
		start := time.Now()
		r := f()
		return r, time.Since(start)
	}

	thaw := freeze("api_keys")
	r, took := timed(func() apptest.Response { return w.Do("GET", "/v1/films", w.AdminKey, nil) })
	check("GET with the key table frozen", r, took)
	thaw()

	thaw = freeze("ledger_heads")
	w.idem++
	r, took = timed(func() apptest.Response {
		return w.Do("POST", "/v1/sales", w.pos, map[string]any{"screening_id": "s1",
			"tickets": []map[string]string{stTicket("t1", w.at(2026, 1, 9, 12, 0), "2500.00", "A1")}}, "Idempotency-Key", "frozen-1")
	})
	check("sale with the ledger head frozen", r, took)

	thaw2 := freeze("ledger_entries")
	r, took = timed(func() apptest.Response { return w.Do("GET", "/v1/ledger/export?from=0", w.AdminKey, nil) })
	check("export with the entries frozen", r, took)
	thaw2()

	// posclient retries the 503 with the same Idempotency-Key; the sale
	// lands once the database answers, and exactly once.
	go func() { time.Sleep(3 * timeout); thaw() }()
	pc, err := posclient.New(w.URL, w.pos, posclient.WithRetryWait(100*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pc.PostSales(ctx, posclient.SalesRequest{ScreeningID: "s1", IdempotencyKey: "frozen-2", Tickets: []posclient.Ticket{
		{ID: "t2", SoldAt: mustTime(t, w.at(2026, 1, 9, 12, 0)), Price: decimal.RequireFromString("2500.00"), Category: "adult", Seat: "A2", Channel: "box_office"}}})
	if err != nil || res.Accepted != 1 {
		t.Fatalf("posclient through the freeze: %+v %v", res, err)
	}
	var n1, n2 int
	if err := owner.QueryRow(ctx, "SELECT count(*) FILTER (WHERE id = 't1'), count(*) FILTER (WHERE id = 't2') FROM tickets").Scan(&n1, &n2); err != nil || n2 != 1 || n1 > 1 {
		t.Fatalf("tickets stored: t1 %d, t2 %d (%v)", n1, n2, err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
