package posclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/apikey"
	"ecinema/ingest/posclient"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// registerCinemaAndFilm creates, as admin, the parties, cinema C1 with hall
// H1 (100 seats) and film F1 (120 min, 12+) that screenings need.
func registerCinemaAndFilm(t *testing.T, env *apptest.Env) {
	t.Helper()
	put := func(path string, body any) {
		t.Helper()
		if r := env.Do(http.MethodPut, path, env.AdminKey, body); r.Status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", path, r.Status, r.Body)
		}
	}
	put("/v1/parties/EXH1", map[string]any{"kind": "exhibitor", "name": "Kinopark", "bin": "123456789013"})
	put("/v1/parties/PROD1", map[string]any{"kind": "producer", "name": "Qazaqfilm", "bin": "987654321010"})
	put("/v1/parties/DIST1", map[string]any{"kind": "distributor", "name": "Meloman Distribution", "bin": "111222333445"})
	put("/v1/cinemas/C1", map[string]any{"name": "Kinopark 8 Almaty", "exhibitor_id": "EXH1", "region": "KZ-75",
		"city": "Almaty", "vat_payer": true, "halls": []map[string]any{{"id": "H1", "name": "Hall 1", "seats": 100}}})
	put("/v1/films/F1", map[string]any{
		"title": map[string]string{"kk": "Көшпенділер", "ru": "Кочевник", "en": "Nomad"}, "origin": "national",
		"countries": []string{"KZ"}, "release_date": time.Now().AddDate(0, 0, -10).Format("2006-01-02"),
		"runtime_min": 120, "age_rating": "12+",
		"certificate": map[string]string{"number": "KZ-2020-0001", "valid_from": "2020-01-01", "valid_to": "2099-12-31"},
		"producer_id": "PROD1", "distributor_id": "DIST1", "distribution_fee_pct": "15", "recoupable_expenses": "0.00",
		"royalty_pct": "0", "rights_holders": []any{},
		"rental_terms": []map[string]any{{"from_week": 1, "distributor_pct": "55"}},
	})
}

// The client against the real server (internal/apptest: the wired service
// on a fresh PostgreSQL database): screening, sales, idempotent replay,
// typed errors with the server's codes, refunds, and a retry after a lost
// response that still records the sale once.
func TestAgainstRealServer(t *testing.T) {
	env := apptest.New(t)
	registerCinemaAndFilm(t, env)
	posKey := env.Key(apikey.RolePOS, "C1", "")
	ctx := t.Context()
	c, err := posclient.New(env.URL, posKey, posclient.WithRetryWait(5*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := env.App.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Screening: created (201), then replaced (200) while it has no sales.
	almaty := time.FixedZone("+05", 5*3600)
	start := time.Now().In(almaty).Add(time.Hour).Truncate(time.Minute)
	scr := posclient.Screening{HallID: "H1", FilmID: "F1", StartsAt: start, Format: "2D", Language: "kk"}
	sres, err := c.PutScreening(ctx, "S1", scr)
	if err != nil {
		t.Fatalf("PutScreening: %v", err)
	}
	if sres.Status != http.StatusCreated || sres.Screening.ID != "S1" || sres.Screening.Seats != 100 ||
		!sres.Screening.StartsAt.Equal(start) || !sres.Screening.EndsAt.Equal(start.Add(120*time.Minute)) || len(sres.Entry.LeafHash) != 64 {
		t.Errorf("PutScreening = %+v", sres)
	}
	scr.Format = "3D"
	if sres, err = c.PutScreening(ctx, "S1", scr); err != nil || sres.Status != http.StatusOK || sres.Screening.Version != 2 || sres.Screening.Format != "3D" {
		t.Fatalf("replace: %+v %v", sres, err)
	}

	// Sales: one request, one entry; the leaf hash is the stored one.
	soldAt := time.Now().In(almaty).Add(-time.Minute).Truncate(time.Second)
	sale := posclient.SalesRequest{ScreeningID: "S1", IdempotencyKey: "C1-batch-0001", Tickets: []posclient.Ticket{
		{ID: "T1", SoldAt: soldAt, Price: decimal.RequireFromString("2500"), Category: "adult", Seat: "R5-12", Channel: "box_office"},
		{ID: "T2", SoldAt: soldAt, Price: decimal.RequireFromString("1800.5"), Category: "child", Seat: "R5-13", Channel: "box_office"},
	}}
	res, err := c.PostSales(ctx, sale)
	if err != nil {
		t.Fatalf("PostSales: %v", err)
	}
	if res.Status != http.StatusCreated || res.Accepted != 2 || len(res.Flags) != 0 || res.IdempotencyKey != "C1-batch-0001" {
		t.Errorf("PostSales = %+v", res)
	}
	var storedHash string
	if err := env.App.Pool.QueryRow(ctx, `SELECT encode(leaf_hash, 'hex') FROM ledger_entries WHERE seq = $1 AND kind = 'sale'`,
		res.Entry.Seq).Scan(&storedHash); err != nil || storedHash != res.Entry.LeafHash {
		t.Errorf("stored leaf hash %q (%v), answer %q", storedHash, err, res.Entry.LeafHash)
	}

	// The same key and body (a POS resending after a crash) replays the answer.
	again, err := c.PostSales(ctx, sale)
	if err != nil || !reflect.DeepEqual(again, res) {
		t.Errorf("replay = %+v, %v; want %+v", again, err, res)
	}
	if n := count(`SELECT count(*) FROM ledger_entries WHERE kind = 'sale'`); n != 1 {
		t.Errorf("sale entries after replay = %d, want 1", n)
	}

	// Typed errors with the server's codes; none is retried, none stores anything.
	other := sale
	other.Tickets = []posclient.Ticket{sale.Tickets[0]}
	_, err = c.PostSales(ctx, other) // same key, another body
	if !posclient.IsConflict(err) || posclient.Code(err) != "idempotency_key_reused" {
		t.Errorf("key reused: %v", err)
	}
	other.IdempotencyKey = "" // a new logical request with an already sold ticket
	_, err = c.PostSales(ctx, other)
	var dup *posclient.APIError
	if !posclient.IsConflict(err) || posclient.Code(err) != "duplicate_ticket" || !errors.As(err, &dup) ||
		len(dup.Details) != 1 || dup.Details[0].Field != "tickets[0].id" {
		t.Errorf("duplicate ticket (details name the ticket): %#v", err)
	}
	// A new ticket on a sold seat: the details name the seat.
	seatTaken := posclient.SalesRequest{ScreeningID: "S1", Tickets: []posclient.Ticket{
		{ID: "T8", SoldAt: soldAt, Price: decimal.RequireFromString("100"), Category: "adult", Channel: "web"},
		{ID: "T7", SoldAt: soldAt, Price: decimal.RequireFromString("100"), Category: "adult", Seat: "R5-13", Channel: "web"}}}
	_, err = c.PostSales(ctx, seatTaken)
	if !errors.As(err, &dup) || dup.Code != "seat_already_sold" || len(dup.Details) != 1 || dup.Details[0].Field != "tickets[1].seat" {
		t.Errorf("seat already sold (details name the seat): %#v", err)
	}
	// The client refuses what the server would refuse for a missing field.
	if _, err := c.PutScreening(ctx, "S2", posclient.Screening{HallID: "H1", FilmID: "F1", StartsAt: start}); !errors.Is(err, posclient.ErrInvalidRequest) {
		t.Errorf("screening without format: %v", err)
	}
	neg := posclient.SalesRequest{ScreeningID: "S1", Tickets: []posclient.Ticket{
		{ID: "T9", SoldAt: soldAt, Price: decimal.RequireFromString("-1"), Category: "adult", Channel: "box_office"}}}
	_, err = c.PostSales(ctx, neg)
	var ae *posclient.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Code != "invalid_request" ||
		len(ae.Details) != 1 || ae.Details[0].Field != "tickets[0].price" || ae.Details[0].Code != "invalid_amount" {
		t.Errorf("negative price: %#v", err)
	}
	neg.ScreeningID, neg.Tickets[0].Price = "S404", decimal.RequireFromString("100")
	if _, err = c.PostSales(ctx, neg); !posclient.IsNotFound(err) || posclient.Code(err) != "screening_not_found" {
		t.Errorf("unknown screening: %v", err)
	}
	if n := count(`SELECT count(*) FROM tickets WHERE cinema_id = 'C1'`); n != 2 {
		t.Errorf("tickets after rejected requests = %d, want 2", n)
	}

	// Refund.
	rres, err := c.PostRefunds(ctx, posclient.RefundRequest{ScreeningID: "S1",
		Tickets: []posclient.RefundTicket{{ID: "T2", RefundedAt: time.Now().Truncate(time.Second)}}})
	if err != nil {
		t.Fatalf("PostRefunds: %v", err)
	}
	if rres.Status != http.StatusCreated || rres.Refunded != 1 || !rres.Amount.Equal(decimal.RequireFromString("1800.50")) || rres.Entry.Seq <= res.Entry.Seq {
		t.Errorf("PostRefunds = %+v", rres)
	}

	// A proxy that loses the server's first answer (the sale is committed,
	// the POS sees a 502): the retry carries the same key and gets the
	// original answer, so T3 is recorded once.
	target, _ := url.Parse(env.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var keys []string
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first {
			proxy.ServeHTTP(httptest.NewRecorder(), r) // reaches the server, answer dropped
			http.Error(w, "upstream reset", http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(flaky.Close)
	fc, err := posclient.New(flaky.URL, posKey, posclient.WithRetryWait(5*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	lost, err := fc.PostSales(ctx, posclient.SalesRequest{ScreeningID: "S1", Tickets: []posclient.Ticket{
		{ID: "T3", SoldAt: soldAt, Price: decimal.RequireFromString("2500.00"), Category: "adult", Seat: "R6-1", Channel: "web"}}})
	if err != nil {
		t.Fatalf("PostSales through the flaky proxy: %v", err)
	}
	mu.Lock()
	if len(keys) != 2 || keys[0] != keys[1] || keys[0] != lost.IdempotencyKey {
		t.Errorf("keys through the proxy %q, want the result's key %q twice", keys, lost.IdempotencyKey)
	}
	mu.Unlock()
	if lost.Accepted != 1 {
		t.Errorf("result %+v", lost)
	}
	if n := count(`SELECT count(*) FROM tickets WHERE cinema_id = 'C1' AND id = 'T3'`); n != 1 {
		t.Errorf("T3 rows = %d, want 1", n)
	}
	if n := count(`SELECT count(*) FROM ledger_entries WHERE kind = 'sale'`); n != 2 {
		t.Errorf("sale entries = %d, want 2 (batch 0001 and T3)", n)
	}
	if n := count(`SELECT count(*) FROM tickets WHERE cinema_id = 'C1' AND refunded_at IS NOT NULL`); n != 1 {
		t.Errorf("refunded tickets = %d, want 1", n)
	}

	// Read-back: the day's screenings and the screening's tickets, refunded one included.
	day, _ := time.Parse(time.DateOnly, sres.Screening.BoxOfficeDay)
	list, err := c.Screenings(ctx, day)
	if err != nil || len(list) != 1 || list[0].ID != "S1" || list[0].TicketsSold != 3 || list[0].TicketsActive != 2 ||
		!list[0].Gross.Equal(decimal.RequireFromString("5000.00")) {
		t.Fatalf("Screenings = %+v, %v", list, err)
	}
	st, tickets, err := c.ScreeningTickets(ctx, "S1")
	if err != nil || st.ID != "S1" || len(tickets) != 3 {
		t.Fatalf("ScreeningTickets = %+v %+v, %v", st, tickets, err)
	}
	byID := map[string]posclient.SoldTicket{}
	for _, tk := range tickets {
		byID[tk.ID] = tk
	}
	if t2 := byID["T2"]; t2.RefundedAt == nil || t2.RefundSeq == nil || *t2.Seat != "R5-13" || !t2.Price.Equal(decimal.RequireFromString("1800.50")) {
		t.Errorf("T2 = %+v", t2)
	}
	if t1 := byID["T1"]; t1.RefundedAt != nil || t1.SaleSeq != res.Entry.Seq || t1.Channel != "box_office" {
		t.Errorf("T1 = %+v", t1)
	}
	if _, _, err := c.ScreeningTickets(ctx, "S404"); !posclient.IsNotFound(err) {
		t.Errorf("tickets of an unknown screening: %v", err)
	}
	other404, _ := posclient.New(env.URL, env.Key(apikey.RolePOS, "C1", ""))
	if l, err := other404.Screenings(ctx, day.AddDate(0, 0, 1)); err != nil || len(l) != 0 {
		t.Errorf("a day without screenings: %+v %v", l, err)
	}
}
