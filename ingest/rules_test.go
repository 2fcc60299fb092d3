package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestSalesRules covers every rejection of POST /v1/sales: exact status and
// code, and no entry and no ticket row written.
func TestSalesRules(t *testing.T) {
	w := newWorld(t)
	start := localAt(1, 19, 0) // tomorrow 19:00 local
	w.mustScreening(t, "s1", "h1", "f1", start)
	past := localAt(0, 0, 0).Add(-5 * time.Hour) // ends well before now
	w.mustScreening(t, "old", "h2", "f1", past)
	// Screening s9 of cinema c2: c1's key must not sell it.
	if r := w.putScreening(t, w.pos2, "s9", "h1", "f1", start); r.Status != 201 {
		t.Fatalf("c2 screening: %d %s", r.Status, r.Body)
	}
	sold := time.Now().Add(-time.Hour)
	if r := w.sell(t, w.pos, "s1", ticket("t1", sold, "2500.00", "A1")); r.Status != 201 {
		t.Fatalf("first sale: %d %s", r.Status, r.Body)
	}
	e0, n0 := w.counts(t)

	cases := []struct {
		name      string
		screening string
		tickets   []tk
		status    int
		code      string
	}{
		{"unknown screening", "nope", []tk{ticket("x1", sold, "100.00", "")}, 404, "screening_not_found"},
		{"another cinema's screening", "s9", []tk{ticket("x1", sold, "100.00", "")}, 403, "forbidden"},
		{"ticket id twice in one request", "s1", []tk{ticket("x1", sold, "100.00", "B1"), ticket("x1", sold, "100.00", "B2")}, 409, "duplicate_ticket"},
		{"ticket id of an earlier request", "s1", []tk{ticket("x2", sold, "100.00", "B1"), ticket("t1", sold, "100.00", "B2")}, 409, "duplicate_ticket"},
		{"seat sold before", "s1", []tk{ticket("x1", sold, "100.00", "A1")}, 409, "seat_already_sold"},
		{"seat twice in one request", "s1", []tk{ticket("x1", sold, "100.00", "B1"), ticket("x2", sold, "100.00", "B1")}, 409, "seat_already_sold"},
		{"more tickets than seats", "s1", []tk{ticket("x1", sold, "1.00", "B1"), ticket("x2", sold, "1.00", "B2"),
			ticket("x3", sold, "1.00", "B3"), ticket("x4", sold, "1.00", "B4"), ticket("x5", sold, "1.00", "B5")}, 422, "capacity_exceeded"},
		{"negative price", "s1", []tk{ticket("x1", sold, "-1.00", "")}, 400, "invalid_request"},
		{"price with 3 decimals", "s1", []tk{ticket("x1", sold, "100.005", "")}, 400, "invalid_request"},
		{"price too large", "s1", []tk{ticket("x1", sold, "1000000.01", "")}, 400, "invalid_request"},
		{"sold_at in the future", "s1", []tk{ticket("x1", time.Now().Add(time.Hour), "100.00", "")}, 422, "sold_at_in_future"},
		{"sold_at after the screening's end", "old", []tk{ticket("x1", time.Now().Add(-time.Minute), "100.00", "")}, 422, "sold_after_screening_end"},
		{"unknown category", "s1", []tk{{"id": "x1", "sold_at": rfc(sold), "price": "1.00", "category": "vip", "channel": "web"}}, 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.sell(t, w.pos, tc.screening, tc.tickets...)
			w.expectReject(t, r, tc.status, tc.code, e0, n0)
		})
	}

	t.Run("price errors name the field", func(t *testing.T) {
		r := w.sell(t, w.pos, "s1", ticket("x1", sold, "100.005", ""))
		b := decode[struct {
			Error struct {
				Details []struct{ Field, Code string }
			}
		}](t, r)
		if len(b.Error.Details) != 1 || b.Error.Details[0].Field != "tickets[0].price" || b.Error.Details[0].Code != "invalid_amount" {
			t.Fatalf("details: %s", r.Body)
		}
	})
	t.Run("price as a JSON number", func(t *testing.T) {
		r := w.Do("POST", "/v1/sales", w.pos, `{"screening_id":"s1","tickets":[{"id":"x1","sold_at":"`+rfc(sold)+`","price":2500,"category":"adult","channel":"web"}]}`,
			"Idempotency-Key", w.nextKey())
		w.expectReject(t, r, 400, "invalid_request", e0, n0)
	})
	t.Run("unknown field", func(t *testing.T) {
		r := w.Do("POST", "/v1/sales", w.pos, `{"screening_id":"s1","tickets":[],"extra":1}`, "Idempotency-Key", w.nextKey())
		w.expectReject(t, r, 400, "invalid_request", e0, n0)
	})
	t.Run("more than 1000 tickets", func(t *testing.T) {
		many := make([]tk, 1001)
		for i := range many {
			many[i] = tk{"id": fmt.Sprintf("m%d", i), "sold_at": rfc(sold), "price": "1.00", "category": "adult", "channel": "web"}
		}
		w.expectReject(t, w.sell(t, w.pos, "s2", many...), 413, "too_many_tickets", e0, n0)
	})
	t.Run("no Idempotency-Key", func(t *testing.T) {
		r := w.Do("POST", "/v1/sales", w.pos, map[string]any{"screening_id": "s1", "tickets": []tk{ticket("x1", sold, "1.00", "")}})
		w.expectReject(t, r, 400, "idempotency_key_required", e0, n0)
	})
	t.Run("a non-pos key", func(t *testing.T) {
		r := w.Do("POST", "/v1/sales", w.admin, map[string]any{"screening_id": "s1", "tickets": []tk{ticket("x1", sold, "1.00", "")}},
			"Idempotency-Key", w.nextKey())
		w.expectReject(t, r, 403, "forbidden", e0, n0)
	})

	// After all rejections, the screening still takes exactly its remaining 4 seats.
	r := w.sell(t, w.pos, "s1", ticket("y1", sold, "1.00", "B1"), ticket("y2", sold, "1.00", "B2"),
		ticket("y3", sold, "1.00", "B3"), ticket("y4", sold, "0", "B4"))
	if r.Status != 201 {
		t.Fatalf("fill the hall: %d %s", r.Status, r.Body)
	}
	var active int
	var gross decimal.Decimal
	if err := w.App.Pool.QueryRow(w.ctx, `SELECT tickets_active, gross FROM screenings WHERE cinema_id='c1' AND id='s1'`).Scan(&active, &gross); err != nil {
		t.Fatal(err)
	}
	if active != 5 || !gross.Equal(decimal.RequireFromString("2503.00")) {
		t.Fatalf("screening totals: %d tickets, gross %s; want 5, 2503.00", active, gross)
	}
	w.expectReject(t, w.sell(t, w.pos, "s1", ticket("z1", sold, "1.00", "")), 422, "capacity_exceeded", e0+1, n0+4)
}

// TestRefundRules covers the rejections of POST /v1/refunds and the effect
// of an accepted refund on the projections.
func TestRefundRules(t *testing.T) {
	w := newWorld(t)
	startedAt := time.Now().Add(-time.Hour).Truncate(time.Second) // started an hour ago, runs 2 h
	w.mustScreening(t, "run", "h2", "f1", startedAt)
	later := localAt(1, 19, 0)
	w.mustScreening(t, "later", "h1", "f1", later)
	sold := startedAt.Add(-2 * time.Hour)
	if r := w.sell(t, w.pos, "run", ticket("r1", sold, "2500.00", "A1"), ticket("r2", sold, "1800.00", "A2")); r.Status != 201 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
	if r := w.sell(t, w.pos, "later", ticket("l1", sold, "2000.00", "A1"), ticket("l2", sold, "2000.00", "A2")); r.Status != 201 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
	refundAt := func(id string, at time.Time) tk { return tk{"id": id, "refunded_at": rfc(at)} }
	before := time.Now().Add(-2 * time.Minute)

	// A first refund of l1 (before the start, no reason needed) succeeds.
	r := w.refund(t, w.pos, "later", "", refundAt("l1", before))
	if r.Status != 201 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	e0, n0 := w.counts(t)
	var refundedAt *time.Time
	var refundSeq *int64
	if err := w.App.Pool.QueryRow(w.ctx, `SELECT refunded_at, refund_seq FROM tickets WHERE cinema_id='c1' AND id='l1'`).Scan(&refundedAt, &refundSeq); err != nil {
		t.Fatal(err)
	}
	if refundedAt == nil || refundSeq == nil || *refundSeq != e0-1 {
		t.Fatalf("l1 not marked refunded by the last entry: %v %v", refundedAt, refundSeq)
	}

	// snapshot of the refund state, to check nothing changes on rejection
	state := func() string {
		var s string
		err := w.App.Pool.QueryRow(w.ctx, `SELECT string_agg(id || ':' || coalesce(refund_seq::text, '-'), ',' ORDER BY id) FROM tickets`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s0 := state()
	cases := []struct {
		name      string
		screening string
		reason    string
		tickets   []tk
		status    int
		code      string
	}{
		{"unsold ticket", "later", "", []tk{refundAt("nope", before)}, 409, "ticket_not_sold"},
		{"already refunded ticket", "later", "", []tk{refundAt("l1", before)}, 409, "ticket_already_refunded"},
		{"one good and one refunded ticket", "later", "", []tk{refundAt("l2", before), refundAt("l1", before)}, 409, "ticket_already_refunded"},
		{"ticket of another screening", "later", "", []tk{refundAt("r1", before)}, 409, "ticket_not_in_screening"},
		{"after the start without reason", "run", "", []tk{refundAt("r1", time.Now().Add(-time.Minute))}, 422, "refund_after_start"},
		{"after the start with another reason", "run", "customer_request", []tk{refundAt("r1", time.Now().Add(-time.Minute))}, 422, "refund_after_start"},
		{"refunded_at in the future", "later", "", []tk{refundAt("l2", time.Now().Add(time.Hour))}, 422, "refunded_at_in_future"},
		{"refunded before the sale", "later", "", []tk{refundAt("l2", sold.Add(-time.Minute))}, 422, "refunded_before_sale"},
		{"unknown screening", "nope", "", []tk{refundAt("l2", before)}, 404, "screening_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.refund(t, w.pos, tc.screening, tc.reason, tc.tickets...)
			w.expectReject(t, r, tc.status, tc.code, e0, n0)
			if s := state(); s != s0 {
				t.Fatalf("refund state changed: %s -> %s", s0, s)
			}
		})
	}

	t.Run("cancelled screening refunded after the start", func(t *testing.T) {
		r := w.refund(t, w.pos, "run", "screening_cancelled", refundAt("r1", time.Now().Add(-time.Minute)), refundAt("r2", time.Now().Add(-time.Minute)))
		if r.Status != 201 {
			t.Fatalf("refund: %d %s", r.Status, r.Body)
		}
		b := decode[struct {
			Refunded int
			Amount   string
		}](t, r)
		if b.Refunded != 2 || b.Amount != "4300.00" {
			t.Fatalf("response %s", r.Body)
		}
		// sales_daily is net of refunds: the run screening's row is back to zero.
		var gross decimal.Decimal
		var adm int64
		err := w.App.Pool.QueryRow(w.ctx, `SELECT sum(gross), sum(admissions) FROM sales_daily WHERE cinema_id='c1' AND film_id='f1' AND box_office_day=$1`,
			localDay(startedAt)).Scan(&gross, &adm)
		if err != nil {
			t.Fatal(err)
		}
		if !gross.IsZero() || adm != 0 {
			t.Fatalf("after full refund sales_daily = %s, %d; want 0, 0", gross, adm)
		}
		// The refunded seat can be sold again.
		if r := w.sell(t, w.pos, "run", ticket("r3", time.Now().Add(-time.Minute), "2500.00", "A1")); r.Status != 201 {
			t.Fatalf("resell refunded seat: %d %s", r.Status, r.Body)
		}
	})
}

func localDay(t time.Time) time.Time {
	l := t.In(time.FixedZone("KZ", 5*3600))
	if l.Hour() < 6 {
		l = l.AddDate(0, 0, -1)
	}
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// TestScreeningRules covers PUT /v1/screenings/{id}.
func TestScreeningRules(t *testing.T) {
	w := newWorld(t)
	start := localAt(2, 19, 0)
	w.mustScreening(t, "s1", "h2", "f1", start)
	e0, n0 := w.counts(t)
	screenings := func() int {
		var n int
		if err := w.App.Pool.QueryRow(w.ctx, `SELECT count(*) FROM screenings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cases := []struct {
		name   string
		id     string
		hall   string
		film   string
		start  time.Time
		status int
		code   string
	}{
		{"21+ film before 22:00", "a1", "h1", "adult", localAt(2, 21, 59), 422, "age_restricted_time"},
		{"21+ film at 06:00", "a1", "h1", "adult", localAt(3, 6, 0), 422, "age_restricted_time"},
		{"starts inside another screening", "s2", "h2", "f1", start.Add(90 * time.Minute), 409, "screening_overlap"},
		{"runs into another screening", "s2", "h2", "f1", start.Add(-90 * time.Minute), 409, "screening_overlap"},
		{"expired certificate", "e1", "h1", "expired", localAt(2, 19, 0), 422, "certificate_not_valid"},
		{"unknown hall", "u1", "h9", "f1", localAt(2, 19, 0), 422, "unknown_hall"},
		{"unknown film", "u1", "h1", "nofilm", localAt(2, 19, 0), 422, "unknown_film"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.putScreening(t, w.pos, tc.id, tc.hall, tc.film, tc.start)
			w.expectReject(t, r, tc.status, tc.code, e0, n0)
			if n := screenings(); n != 1 {
				t.Fatalf("screenings: %d rows, want 1", n)
			}
		})
	}
	t.Run("21+ film at 22:00 and at 05:59", func(t *testing.T) {
		w.mustScreening(t, "a2", "h1", "adult", localAt(2, 22, 0))
		w.mustScreening(t, "a3", "h1", "adult", localAt(4, 5, 59))
	})
	t.Run("back to back is no overlap", func(t *testing.T) {
		w.mustScreening(t, "s3", "h2", "f1", start.Add(120*time.Minute))
	})
	t.Run("replace without sales, then with sales", func(t *testing.T) {
		r := w.putScreening(t, w.pos, "s1", "h2", "f1", start.Add(-3*time.Hour))
		if r.Status != 200 {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		// screenings_daily moved, not doubled
		var total int
		if err := w.App.Pool.QueryRow(w.ctx, `SELECT sum(screenings) FROM screenings_daily WHERE cinema_id='c1' AND film_id='f1'`).Scan(&total); err != nil {
			t.Fatal(err)
		}
		if total != 2 { // s1 and s3
			t.Fatalf("screenings_daily total %d, want 2", total)
		}
		if r := w.sell(t, w.pos, "s1", ticket("t1", time.Now().Add(-time.Minute), "1000.00", "")); r.Status != 201 {
			t.Fatalf("sale: %d %s", r.Status, r.Body)
		}
		e1, n1 := w.counts(t)
		r = w.putScreening(t, w.pos, "s1", "h2", "f1", start)
		w.expectReject(t, r, 409, "screening_has_sales", e1, n1)
	})
	t.Run("box-office day of a night screening", func(t *testing.T) {
		w.mustScreening(t, "n1", "h1", "f1", localAt(5, 1, 30))
		var bod time.Time
		if err := w.App.Pool.QueryRow(w.ctx, `SELECT box_office_day FROM screenings WHERE cinema_id='c1' AND id='n1'`).Scan(&bod); err != nil {
			t.Fatal(err)
		}
		want := localAt(4, 12, 0)
		if bod.Format("2006-01-02") != want.Format("2006-01-02") {
			t.Fatalf("box_office_day %s, want %s", bod.Format("2006-01-02"), want.Format("2006-01-02"))
		}
	})
}
