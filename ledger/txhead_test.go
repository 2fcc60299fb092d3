package ledger_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// TestLockHeadInCallerTx: records appended through Writer.LockHead in a
// caller's transaction, while the writer's groups append at once, chain
// with them (one log, no gap, every root consistent); a rolled-back
// transaction leaves nothing, and the writer goes on after it; a failing
// Project leaves the head where it was.
func TestLockHeadInCallerTx(t *testing.T) {
	url := pgtest.NewDatabase(t)
	skey, vkey, _ := ledger.GenerateKey(ledger.DefaultOrigin)
	signer, _ := ledger.NewSigner(skey)
	pool := pgtest.Pool(t, url)
	w := startWriter(t, pool, ledger.WriterConfig{})
	ctx := t.Context()

	var acked sync.Map
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); hammer(t, w, 16, 40, "w", &acked) }()
	committed := 0
	for i := range 12 {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h, err := w.LockHead(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		first := h.Size()
		var got []ledger.Entry
		for j := range 2 {
			e, err := h.Append(ctx, ledger.Record{Kind: "period_close", Actor: "system", Body: map[string]any{"i": i, "j": j},
				Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
					_, err := tx.Exec(ctx, `SELECT 1`)
					return err
				}})
			if err != nil {
				t.Fatal(err)
			}
			if e.Seq != first+int64(j) || h.Size() != e.Seq+1 {
				t.Fatalf("entry %d at seq %d, head size %d, locked at %d", j, e.Seq, h.Size(), first)
			}
			got = append(got, e)
		}
		if i%3 == 2 {
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			acked.Store(e.Seq, e.LeafHash)
		}
		committed += len(got)
	}
	// A Project error: nothing of the record; the transaction is the caller's.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := w.LockHead(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := h.Append(ctx, ledger.Record{Kind: "period_close", Actor: "system", Body: map[string]any{},
		Project: func(context.Context, pgx.Tx, ledger.Entry) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("failing Project: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	checkAcked(t, pool, &acked, int64(16*40+committed), vkey)
	pub := ledger.NewPublisher(pool, ledger.PublisherConfig{Signer: signer, Logger: quiet})
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	// The writer appends on top after all that.
	e, err := w.Append(ctx, ledger.Record{Kind: "sale", Actor: "system", Body: map[string]any{"last": true}})
	if err != nil || e.Seq != int64(16*40+committed) {
		t.Fatalf("append after: seq %d, %v", e.Seq, err)
	}
}
