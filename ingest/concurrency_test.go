package ingest_test

import (
	"ecinema/internal/pgtest"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestConcurrentSalesFlagsAndCapacity sends 25 sales of 10 tickets at once
// to a night screening of 200 seats: exactly 20 are accepted (the other 5
// get 422 capacity_exceeded), and the entries whose sale took the hall past
// 80% (160 seats), and only those, carry night_high_occupancy, even though
// each request guessed its flags before it knew its place in the order.
func TestConcurrentSalesFlagsAndCapacity(t *testing.T) {
	w := newWorld(t)
	w.mustScreening(t, "night", "h2", "f1", localAt(1, 2, 0))
	sold := time.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	statuses := make([]int, 25)
	codes := make([]string, 25)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts := make([]tk, 10)
			for j := range ts {
				ts[j] = ticket(fmt.Sprintf("t%d-%d", i, j), sold, "1000.00", fmt.Sprintf("R%d-%d", i, j))
			}
			r := w.Do("POST", "/v1/sales", w.pos, map[string]any{"screening_id": "night", "tickets": ts},
				"Idempotency-Key", fmt.Sprintf("conc-%d", i))
			statuses[i], codes[i] = r.Status, r.ErrorCode()
		}()
	}
	wg.Wait()
	ok, full := 0, 0
	for i, s := range statuses {
		switch {
		case s == 201:
			ok++
		case s == 422 && codes[i] == "capacity_exceeded":
			full++
		default:
			t.Fatalf("request %d: %d %s", i, s, codes[i])
		}
	}
	if ok != 20 || full != 5 {
		t.Fatalf("accepted %d, full %d; want 20 and 5", ok, full)
	}
	rows, err := w.App.Pool.Query(w.ctx, `SELECT seq, flags FROM ledger_entries WHERE kind = 'sale' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sold10 := 0
	for rows.Next() {
		var seq int64
		var flags []string
		if err := rows.Scan(&seq, &flags); err != nil {
			t.Fatal(err)
		}
		sold10 += 10
		want := sold10 > 160
		if got := slices.Contains(flags, "night_high_occupancy"); got != want {
			t.Errorf("entry %d (%d seats sold after it): flags %v", seq, sold10, flags)
		}
	}
	var n, anomalies int
	pgtest.Row(t, w.App.Pool, `SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM anomalies WHERE flag = 'night_high_occupancy')`).Scan(&n, &anomalies)
	if n != 200 || anomalies != 4 {
		t.Fatalf("tickets %d, night_high_occupancy anomalies %d; want 200 and 4", n, anomalies)
	}
}
