package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
)

func TestIdempotency(t *testing.T) {
	w := newWorld(t)
	w.mustScreening(t, "s1", "h2", "f1", localAt(1, 19, 0))
	sold := time.Now().Add(-time.Hour)
	body, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{ticket("t1", sold, "2500.00", "A1")}})

	first := w.Do("POST", "/v1/sales", w.pos, body, "Idempotency-Key", "k-1")
	if first.Status != 201 {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	e0, n0 := w.counts(t)

	t.Run("replay returns the identical answer", func(t *testing.T) {
		again := w.Do("POST", "/v1/sales", w.pos, body, "Idempotency-Key", "k-1")
		if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) {
			t.Fatalf("replay: %d %s, first: %d %s", again.Status, again.Body, first.Status, first.Body)
		}
		if e, n := w.counts(t); e != e0 || n != n0 {
			t.Fatalf("replay wrote: entries %d -> %d, tickets %d -> %d", e0, e, n0, n)
		}
	})
	t.Run("same key, another body", func(t *testing.T) {
		other, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{ticket("t2", sold, "2500.00", "A2")}})
		r := w.Do("POST", "/v1/sales", w.pos, other, "Idempotency-Key", "k-1")
		w.expectReject(t, r, 409, "idempotency_key_reused", e0, n0)
	})
	t.Run("same key on refunds is another request", func(t *testing.T) {
		rb, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{{"id": "t1", "refunded_at": rfc(time.Now())}}})
		r := w.Do("POST", "/v1/refunds", w.pos, rb, "Idempotency-Key", "k-1")
		w.expectReject(t, r, 409, "idempotency_key_reused", e0, n0)
	})
	t.Run("keys are per API key", func(t *testing.T) {
		// Another pos key of the same cinema using "k-1" is a new request:
		// here a duplicate ticket, so 409 duplicate_ticket, not a replay.
		other := w.Key("pos", "c1", "")
		r := w.Do("POST", "/v1/sales", other, body, "Idempotency-Key", "k-1")
		w.expectReject(t, r, 409, "duplicate_ticket", e0, n0)
	})
	t.Run("a rejected request stores no key", func(t *testing.T) {
		bad, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{ticket("t1", sold, "2500.00", "A5")}})
		r := w.Do("POST", "/v1/sales", w.pos, bad, "Idempotency-Key", "k-2")
		w.expectReject(t, r, 409, "duplicate_ticket", e0, n0)
		var n int
		pgtest.Row(t, w.App.Pool, `SELECT count(*) FROM idempotency_keys WHERE idem_key = 'k-2'`).Scan(&n)
		if n != 0 {
			t.Fatalf("rejected request stored its key")
		}
	})

	t.Run("50 concurrent identical requests make one entry", func(t *testing.T) {
		conc, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{
			ticket("c1", sold, "1500.00", "C1"), ticket("c2", sold, "1500.00", "C2")}})
		e1, n1 := w.counts(t)
		var wg sync.WaitGroup
		res := make([]apptest.Response, 50)
		start := make(chan struct{})
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i] = w.Do("POST", "/v1/sales", w.pos, conc, "Idempotency-Key", "burst")
			}()
		}
		close(start)
		wg.Wait()
		for i, r := range res {
			if r.Status != 201 || !bytes.Equal(r.Body, res[0].Body) {
				t.Fatalf("request %d: %d %s; request 0: %d %s", i, r.Status, r.Body, res[0].Status, res[0].Body)
			}
		}
		e2, n2 := w.counts(t)
		if e2 != e1+1 || n2 != n1+2 {
			t.Fatalf("50 identical requests wrote %d entries and %d tickets, want 1 and 2", e2-e1, n2-n1)
		}
		var seq int64
		if err := w.App.Pool.QueryRow(w.ctx, `SELECT max(seq) FROM ledger_entries WHERE kind = 'sale'`).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`"seq":%d`, seq); !bytes.Contains(res[0].Body, []byte(want)) {
			t.Fatalf("answer %s does not name the entry %d", res[0].Body, seq)
		}
	})

	t.Run("purge keeps keys younger than 7 days", func(t *testing.T) {
		owner := pgtest.OwnerPool(t, w.DBURL)
		if _, err := owner.Exec(w.ctx, `UPDATE idempotency_keys SET created_at = now() - interval '9 days' WHERE idem_key = 'k-1'`); err != nil {
			t.Fatal(err)
		}
		if _, err := owner.Exec(w.ctx, `UPDATE idempotency_keys SET created_at = now() - interval '6 days 23 hours' WHERE idem_key = 'burst'`); err != nil {
			t.Fatal(err)
		}
		n, err := w.App.Ingest.PurgeIdempotencyKeys(w.ctx)
		if err != nil || n != 1 {
			t.Fatalf("purge: %d, %v; want 1", n, err)
		}
		var left []string
		rows, _ := w.App.Pool.Query(w.ctx, `SELECT idem_key FROM idempotency_keys ORDER BY idem_key`)
		for rows.Next() {
			var k string
			rows.Scan(&k)
			left = append(left, k)
		}
		if fmt.Sprint(left) != "[burst]" {
			t.Fatalf("left %v", left)
		}
	})
}

// TestOneLateTicketFlagsTheSale: a sale is late_report as soon as one of its
// tickets arrives more than a day after it was sold, and the anomaly counts
// only the late tickets.
func TestOneLateTicketFlagsTheSale(t *testing.T) {
	w := newWorld(t)
	start := localAt(1, 19, 0)
	w.mustScreening(t, "s1", "h2", "f1", start)
	r := w.sell(t, w.pos, "s1", ticket("t1", time.Now().Add(-25*time.Hour), "2500.00", "A1"),
		ticket("t2", time.Now().Add(-time.Hour), "2500.00", "A2"))
	b := decode[struct {
		Entry struct{ Seq int64 }
		Flags []string
	}](t, r)
	if r.Status != 201 || fmt.Sprint(b.Flags) != "[late_report]" {
		t.Fatalf("one late ticket of two: %d %s, want 201 flagged [late_report]", r.Status, r.Body)
	}
	var n int
	pgtest.Row(t, w.App.Pool, `SELECT tickets FROM anomalies WHERE entry_seq = $1 AND flag = 'late_report'`, b.Entry.Seq).Scan(&n)
	if n != 1 {
		t.Fatalf("late_report anomaly counts %d tickets, want 1", n)
	}
}

func TestLateReportAndAnomalies(t *testing.T) {
	w := newWorld(t)
	// The local date the anomalies are recorded on: from before the first
	// sale to after the last (the test may run across local midnight).
	since := kztime.LocalDate(time.Now()).Format(time.DateOnly)
	// A POS offline for three days posts the sales of a screening three days ago.
	start := localAt(-3, 19, 0)
	w.mustScreening(t, "s1", "h2", "f1", start)
	r := w.sell(t, w.pos, "s1", ticket("t1", start.Add(-2*time.Hour), "2500.00", "A1"),
		ticket("t2", start.Add(-time.Hour), "2500.00", "A2"), ticket("t3", start.Add(10*time.Minute), "1800.00", "A3"))
	if r.Status != 201 {
		t.Fatalf("late batch: %d %s", r.Status, r.Body)
	}
	b := decode[struct {
		Entry    struct{ Seq int64 }
		Accepted int
		Flags    []string
	}](t, r)
	if b.Accepted != 3 || fmt.Sprint(b.Flags) != "[late_report sold_after_start]" {
		t.Fatalf("response %s", r.Body)
	}
	var flags []string
	if err := w.App.Pool.QueryRow(w.ctx, `SELECT flags FROM ledger_entries WHERE seq = $1`, b.Entry.Seq).Scan(&flags); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(flags) != "[late_report sold_after_start]" {
		t.Fatalf("entry flags %v", flags)
	}
	// The rollup has the three tickets on the screening's day.
	var adm int64
	var gross string
	if err := w.App.Pool.QueryRow(w.ctx, `SELECT admissions, gross::text FROM sales_daily WHERE cinema_id='c1' AND film_id='f1' AND box_office_day=$1 AND sale_date=$1`,
		localDay(start)).Scan(&adm, &gross); err != nil {
		t.Fatal(err)
	}
	if adm != 3 || gross != "6800.00" {
		t.Fatalf("sales_daily %d %s", adm, gross)
	}

	// A night screening more than 80% full.
	w.mustScreening(t, "n1", "h1", "f1", localAt(2, 1, 0)) // 5 seats
	sold := time.Now().Add(-time.Hour)
	r = w.sell(t, w.pos, "n1", ticket("n1", sold, "1000.00", "1"), ticket("n2", sold, "1000.00", "2"),
		ticket("n3", sold, "1000.00", "3"), ticket("n4", sold, "1000.00", "4"))
	if f := decode[struct{ Flags []string }](t, r).Flags; r.Status != 201 || fmt.Sprint(f) != "[]" {
		t.Fatalf("80%% is not over 80%%: %d %s", r.Status, r.Body)
	}
	r = w.sell(t, w.pos, "n1", ticket("n5", sold, "1000.00", "5"))
	if f := decode[struct{ Flags []string }](t, r).Flags; r.Status != 201 || fmt.Sprint(f) != "[night_high_occupancy]" {
		t.Fatalf("5 of 5 seats at night: %d %s", r.Status, r.Body)
	}

	analyst := w.Key("analyst", "", "")
	today := kztime.LocalDate(time.Now()).Format(time.DateOnly)
	list := func(q string) []map[string]any {
		t.Helper()
		r := w.Do("GET", "/v1/anomalies?from="+since+"&to="+today+q, analyst, nil)
		if r.Status != 200 {
			t.Fatalf("anomalies: %d %s", r.Status, r.Body)
		}
		return decode[struct{ Items []map[string]any }](t, r).Items
	}
	if items := list(""); len(items) != 3 {
		t.Fatalf("all anomalies: %v", items)
	}
	items := list("&flag=late_report&cinema=c1")
	if len(items) != 1 || items[0]["screening_id"] != "s1" || items[0]["tickets"] != float64(3) {
		t.Fatalf("late_report: %v", items)
	}
	if items := list("&cinema=c2"); len(items) != 0 {
		t.Fatalf("c2: %v", items)
	}
	if r := w.Do("GET", "/v1/anomalies", w.pos, nil); r.Status != 403 {
		t.Fatalf("pos key reads anomalies: %d", r.Status)
	}
	for q, field := range map[string]string{"flag=bogus": "flag", "limit=0": "limit", "from=2026-13-01": "from", "from=2026-02-01&to=2026-01-01": "to"} {
		if r := w.Do("GET", "/v1/anomalies?"+q, analyst, nil); r.Status != 400 || r.ErrorCode() != "invalid_query" || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("anomalies?%s: %d %s, want 400 invalid_query naming %s", q, r.Status, r.Body, field)
		}
	}
	// paging
	r = w.Do("GET", "/v1/anomalies?limit=2&from="+since+"&to="+today, analyst, nil)
	p := decode[struct {
		Items      []map[string]any
		NextCursor string `json:"next_cursor"`
	}](t, r)
	r = w.Do("GET", "/v1/anomalies?limit=2&from="+since+"&to="+today+"&cursor="+p.NextCursor, analyst, nil)
	p2 := decode[struct{ Items []map[string]any }](t, r)
	if len(p.Items) != 2 || p.NextCursor == "" || len(p2.Items) != 1 {
		t.Fatalf("paging: %s / %s", p.Items, p2.Items)
	}
}
