package registry

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// TestOwnershipProjection replays cinema entries through the projection:
// a new cinema's exhibitor holds from the beginning, a PUT that keeps it
// leaves the history alone (its effective_from ignored), a change with
// effective_from closes the row in force and opens the next, and a change
// without it — an entry written before dated ownership — means "from the
// beginning" and replaces the history.
func TestOwnershipProjection(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.OwnerPool(t, pgtest.NewDatabase(t))
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	at := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	seq := int64(0)
	put := func(kind, body string) {
		t.Helper()
		seq++
		if _, err := project(ctx, tx, kind, []byte(body), ledger.Entry{Seq: seq, At: at}); err != nil {
			t.Fatalf("%s %s: %v", kind, body, err)
		}
	}
	for _, id := range []string{"e1", "e2", "e3"} {
		put("party", `{"id":"`+id+`","kind":"exhibitor","name":"`+id+`","bin":"100000000001"}`)
	}
	cinema := func(exhibitor, from string) string {
		b := `{"id":"c1","name":"A","exhibitor_id":"` + exhibitor + `","region":"KZ-75","city":"Almaty","vat_payer":true,"halls":[{"id":"h1","name":"1","seats":10}]`
		if from != "" {
			b += `,"effective_from":"` + from + `"`
		}
		return b + "}"
	}
	rows := func() []string {
		t.Helper()
		rs, err := tx.Query(ctx, `SELECT concat_ws(' ', exhibitor_id, coalesce(valid_from::text, '-'), coalesce(valid_to::text, '-'), entry_seq)
FROM cinema_ownership WHERE cinema_id = 'c1' ORDER BY entry_seq`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rs, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, step := range []struct {
		body string
		want []string
	}{
		{cinema("e1", ""), []string{"e1 - - 4"}},
		{cinema("e1", "2026-03-01"), []string{"e1 - - 4"}},
		{cinema("e2", "2026-02-01"), []string{"e1 - 2026-02-01 4", "e2 2026-02-01 - 6"}},
		{cinema("e1", "2026-05-01"), []string{"e1 - 2026-02-01 4", "e2 2026-02-01 2026-05-01 6", "e1 2026-05-01 - 7"}},
		{cinema("e3", ""), []string{"e3 - - 8"}},
	} {
		put("cinema", step.body)
		if got := rows(); !reflect.DeepEqual(got, step.want) {
			t.Fatalf("after %s: %q, want %q", step.body, got, step.want)
		}
	}
}
