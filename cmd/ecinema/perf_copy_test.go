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
	for _, c := range []copyShape{copyParallel, copySerial} {
		c.workers = min(c.workers, 4)
		rate, err := rawCopy(t.Context(), env.DBURL, c, 300*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if rate <= 0 {
			t.Errorf("%s: %f rows/s", c.table, rate)
		}
		var n int
		pgtest.Row(t, pgtest.OwnerPool(t, env.DBURL), "SELECT count(*) FROM pg_class WHERE relname = $1", c.table).Scan(&n)
		if n != 0 {
			t.Errorf("%s left behind", c.table)
		}
	}
}
