package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// laterCheck writes every sale's seq into a temp table with SendBatchLater,
// one batch an entry; the batch of entry failAt (-1: none) fails.
type laterCheck struct{ failAt int64 }

func (l *laterCheck) Name() string { return "test.later" }
func (l *laterCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TEMP TABLE later_seqs (seq bigint PRIMARY KEY) ON COMMIT DROP`)
	return err
}
func (l *laterCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, pe ledger.ParsedEntry) error {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO later_seqs VALUES ($1)`, e.Seq)
	if e.Seq == l.failAt {
		b.Queue(`SELECT 1 / 0`)
	}
	return ledger.SendBatchLater(ctx, tx, b, func(err error) error {
		return fmt.Errorf("test.later: entry %d: %w", e.Seq, err)
	})
}
func (l *laterCheck) Compare(ctx context.Context, tx pgx.Tx) error { return nil }

// countingCheck reads, at every entry, how many of them the laterCheck
// before it has written: all of them, though their batches were deferred.
type countingCheck struct{ seen []int64 }

func (c *countingCheck) Name() string                                 { return "test.counting" }
func (c *countingCheck) Begin(ctx context.Context, tx pgx.Tx) error   { return nil }
func (c *countingCheck) Compare(ctx context.Context, tx pgx.Tx) error { return nil }
func (c *countingCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, pe ledger.ParsedEntry) error {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM later_seqs`).Scan(&n); err != nil {
		return err
	}
	c.seen = append(c.seen, n)
	return nil
}

func TestSendBatchLater(t *testing.T) {
	f := newFixture(t, 30)
	t.Run("every later use sees the deferred writes", func(t *testing.T) {
		counting := &countingCheck{}
		rep, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{&laterCheck{failAt: -1}, counting}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 30 || len(counting.seen) != 30 {
			t.Fatalf("%d entries, %d counts", rep.Entries, len(counting.seen))
		}
		for i, n := range counting.seen {
			if n != int64(i+1) {
				t.Fatalf("at entry %d the later check's table had %d rows, want %d", i, n, i+1)
			}
		}
	})
	t.Run("a failed deferred batch is reported as its own check's", func(t *testing.T) {
		_, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{&laterCheck{failAt: 17}, &countingCheck{}}})
		if err == nil {
			t.Fatal("verified with a failing batch")
		}
		if !strings.Contains(err.Error(), "test.later: entry 17: ") || !strings.Contains(err.Error(), "division by zero") ||
			strings.Contains(err.Error(), "test.counting") {
			t.Fatalf("error %q, want the later check's entry 17 and division by zero, not the counting check", err)
		}
	})
	t.Run("the last entry's failed batch too", func(t *testing.T) {
		_, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{&laterCheck{failAt: 29}}})
		if err == nil || !strings.Contains(err.Error(), "test.later: entry 29: ") {
			t.Fatalf("error %v, want the later check's entry 29", err)
		}
	})
}
