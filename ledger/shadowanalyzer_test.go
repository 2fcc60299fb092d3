package ledger_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// The analyzer ANALYZEs the shadows on the 1st, 2nd, 4th and 8th batch of
// nine, and the planner then knows the shadow's rows (reltuples is -1 for
// a table never analyzed).
func TestShadowAnalyzer(t *testing.T) {
	ctx := context.Background()
	pool := pgtestNewPool(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	tables := []ledger.ShadowTable{{Name: "ledger_projection_probe", Columns: "seq, price"}}
	if err := ledger.CreateShadows(ctx, tx, tables); err != nil {
		t.Fatal(err)
	}
	var tuples float64
	if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'pg_temp.ledger_projection_probe'::regclass`).Scan(&tuples); err != nil {
		t.Fatal(err)
	}
	if tuples != -1 {
		t.Fatalf("a new shadow has reltuples %v, want -1 (never analyzed)", tuples)
	}
	a := ledger.NewShadowAnalyzer(tables)
	var analyzedAt []int
	for call := 1; call <= 9; call++ {
		b := &pgx.Batch{}
		a.Queue(b)
		b.Queue(`INSERT INTO pg_temp.ledger_projection_probe SELECT g, 1 FROM generate_series($1::bigint, $1::bigint + 999) g`, int64(call*1000))
		if len(b.QueuedQueries) == 2 {
			if b.QueuedQueries[0].SQL != "ANALYZE pg_temp.ledger_projection_probe" {
				t.Fatalf("call %d queued %q", call, b.QueuedQueries[0].SQL)
			}
			analyzedAt = append(analyzedAt, call)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			t.Fatalf("call %d: %v", call, err)
		}
	}
	if want := []int{1, 2, 4, 8}; !slices.Equal(analyzedAt, want) {
		t.Fatalf("analyzed before calls %v, want %v", analyzedAt, want)
	}
	// The last ANALYZE (before the 8th batch) saw the 7,000 rows of the first seven.
	if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'pg_temp.ledger_projection_probe'::regclass`).Scan(&tuples); err != nil {
		t.Fatal(err)
	}
	if tuples != 7000 {
		t.Fatalf("reltuples %v after the analyzer, want 7000", tuples)
	}
}
