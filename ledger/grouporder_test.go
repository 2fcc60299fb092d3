package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// keysRun is a Batcher of string keys into ledger_projection_probe (seq,
// price = the key's number): optimistic, it leaves a key already taken to
// the table's primary key; careful, it reads the taken keys and rejects
// them.
type keysRun struct {
	mu       sync.Mutex
	prepares []bool // Careful of each Prepare call
}

func (k *keysRun) Prepare(ctx context.Context, tx pgx.Tx, pending *pgx.Batch, in []any) ([]ledger.Prepared, error) {
	careful := ledger.Careful(ctx)
	k.mu.Lock()
	k.prepares = append(k.prepares, careful)
	k.mu.Unlock()
	taken := map[int]bool{}
	if careful {
		pending.Queue(`SELECT seq::int FROM ledger_projection_probe`).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var n int
				if err := rows.Scan(&n); err != nil {
					return err
				}
				taken[n] = true
			}
			return rows.Err()
		})
	}
	if err := tx.SendBatch(ctx, pending).Close(); err != nil {
		return nil, err
	}
	out := make([]ledger.Prepared, len(in))
	for i, x := range in {
		n := x.(int)
		if taken[n] {
			out[i] = ledger.Prepared{Err: fmt.Errorf("key %d: %w", n, errRule)}
			continue
		}
		out[i] = ledger.Prepared{Body: map[string]int{"key": n}}
	}
	return out, nil
}

func (k *keysRun) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	for _, a := range acc {
		b.Queue(`INSERT INTO ledger_projection_probe (seq) VALUES ($1)`, a.Request.(int))
	}
	return nil
}

// queued appends recs at once on a writer whose Run starts only when all
// of them wait in its queue (so they form one group), and returns each
// one's entry and error.
func queued(t *testing.T, w *ledger.Writer, recs []ledger.Record) ([]ledger.Entry, []error) {
	t.Helper()
	ctx := t.Context()
	es, errs := make([]ledger.Entry, len(recs)), make([]error, len(recs))
	var wg sync.WaitGroup
	for i, r := range recs {
		wg.Add(1)
		go func() { defer wg.Done(); es[i], errs[i] = w.Append(ctx, r) }()
		for w.Pending() < i+1 { // keep the queue order
			time.Sleep(time.Millisecond)
		}
	}
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done })
	wg.Wait()
	return es, errs
}

// TestPlainRecordsAfterRuns: with GroupByRun, a group's records of one
// Batcher form one run, the plain records come after the runs, and a plain
// record in the group does not make the run careful; when the optimistic run meets a
// unique index, the group runs again careful and every plain Project still
// ran exactly once.
func TestPlainRecordsAfterRuns(t *testing.T) {
	t.Parallel()
	for _, collide := range []bool{false, true} {
		t.Run(fmt.Sprintf("collide=%v", collide), func(t *testing.T) {
			t.Parallel()
			pool := pgtestNewPool(t)
			ctx := t.Context()
			if collide {
				if _, err := pool.Exec(ctx, `INSERT INTO ledger_projection_probe (seq) VALUES (1002)`); err != nil {
					t.Fatal(err)
				}
			}
			run, other := &keysRun{}, &keysRun{}
			var projected atomic.Int64
			plain := func(i int) ledger.Record {
				return ledger.Record{Kind: "note", Actor: "system", Body: map[string]int{"plain": i},
					Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
						projected.Add(1)
						_, err := tx.Exec(ctx, `INSERT INTO ledger_projection_probe (seq) VALUES ($1)`, 2000+i)
						return err
					}}
			}
			key := func(bt ledger.Batcher, n int) ledger.Record {
				return ledger.Record{Kind: "key", Actor: "system", Batch: bt, Request: n}
			}
			// Queue order: plain 0, key 1001, other 3001, key 1002, plain 1, other 3002, key 1003.
			recs := []ledger.Record{plain(0), key(run, 1001), key(other, 3001), key(run, 1002), plain(1), key(other, 3002), key(run, 1003)}
			w := ledger.NewWriter(pool, ledger.WriterConfig{Now: fixedClock(), Logger: quiet, GroupByRun: true})
			es, errs := queued(t, w, recs)

			wantOrder := []int{1, 3, 6, 2, 5, 0, 4} // the runs in the order of their first records, then the plain ones
			if collide {
				wantOrder = []int{1, 6, 2, 5, 0, 4}
			}
			for i, err := range errs {
				if collide && i == 3 {
					if err == nil {
						t.Errorf("record %d (key 1002, taken): no error", i)
					}
					continue
				}
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			for seq, i := range wantOrder {
				if es[i].Seq != int64(seq) {
					t.Errorf("record %d at seq %d, want %d", i, es[i].Seq, seq)
				}
			}
			if n := projected.Load(); n != 2 {
				t.Errorf("plain Projects ran %d times, want 2 (once each)", n)
			}
			wantPrepares := []bool{false}
			if collide {
				wantPrepares = []bool{false, true}
			}
			if fmt.Sprint(run.prepares) != fmt.Sprint(wantPrepares) {
				t.Errorf("Prepare calls (careful each) = %v, want %v (one run a group)", run.prepares, wantPrepares)
			}
			if got, want := w.CarefulRetries(), map[bool]int64{false: 0, true: 1}[collide]; got != want {
				t.Errorf("careful retries = %d, want %d", got, want)
			}
		})
	}
}

// TestQueueOrderKept: without GroupByRun a group keeps queue order (runs
// of consecutive records), and is careful only when a plain record comes
// before a run.
func TestQueueOrderKept(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	run := &keysRun{}
	plain := ledger.Record{Kind: "note", Actor: "system", Body: map[string]int{"plain": 0}}
	key := func(n int) ledger.Record { return ledger.Record{Kind: "key", Actor: "system", Batch: run, Request: n} }
	w := ledger.NewWriter(pool, ledger.WriterConfig{Now: fixedClock(), Logger: quiet})
	es, errs := queued(t, w, []ledger.Record{key(1), key(2), plain})
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if es[i].Seq != int64(i) {
			t.Errorf("record %d at seq %d", i, es[i].Seq)
		}
	}
	w2 := ledger.NewWriter(pool, ledger.WriterConfig{Now: fixedClock(), Logger: quiet})
	es, errs = queued(t, w2, []ledger.Record{key(3), plain, key(4)})
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if es[i].Seq != int64(3+i) {
			t.Errorf("record %d at seq %d, want %d", i, es[i].Seq, 3+i)
		}
	}
	// The first group: one optimistic run; the second: two careful runs.
	if want := "[false true true]"; fmt.Sprint(run.prepares) != want {
		t.Errorf("Prepare calls (careful each) = %v, want %v", run.prepares, want)
	}
}
