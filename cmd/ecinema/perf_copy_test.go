package main

import (
	"testing"
	"time"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

// TestPerfCopyRows runs both COPY rows of `ecinema perf` briefly: each
// writes rows (the serial one ~1,200 a transaction past both unique
// indexes, the seats of each 100-ticket sale its screening's own) and
// drops its table after.
func TestPerfCopyRows(t *testing.T) {
	env := apptest.New(t)
	for _, c := range []copyShape{copyParallel, copyShaped, copySerial} {
		c.workers = min(c.workers, 4)
		rate, rows, err := rawCopy(t.Context(), env.DBURL, c, 300*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if rate <= 0 || rows <= 0 {
			t.Errorf("%s: %f rows/s, %d rows", c.table, rate, rows)
		}
		var n int
		pgtest.Row(t, pgtest.OwnerPool(t, env.DBURL), "SELECT count(*) FROM pg_class WHERE relname = $1", c.table).Scan(&n)
		if n != 0 {
			t.Errorf("%s left behind", c.table)
		}
	}
}

// TestPerfCPUBudget: 0.6 of 250,000 rows/s is 150,000 tickets/s, which on
// 2 cores leaves 13.3 CPU ms a 1,000 tickets; 20 ms a 1,000 would cap the
// batch row at 100,000 tickets/s with both cores busy.
func TestPerfCPUBudget(t *testing.T) {
	got := cpuBudget(2, 250000, 70000, 20)
	want := "150000 tickets/s would allow at most 13.3 CPU ms a 1,000 tickets on 2 cores; the batch row used 20.0 (100000 tickets/s at its CPU a ticket if every core were busy)"
	if got != want {
		t.Errorf("cpuBudget:\n got %s\nwant %s", got, want)
	}
	if r := copyParallel.ratio(70000, 250000); r != "; batch/COPY = 0.28" {
		t.Errorf("ratio: %q", r)
	}
	if r := copyShaped.ratio(70000, 250000); r != "" {
		t.Errorf("shaped row has no ratio: %q", r)
	}
}
