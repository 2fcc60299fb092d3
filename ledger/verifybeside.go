package ledger

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DeepBesider may be implemented by a DeepCheck whose comparison has a long
// part that reads only stored tables and entries, not the shadows of the
// verification's transaction (ingest's tickets: most of a national year's
// deep check). After the last entry VerifyDB calls CompareBeside on the
// verification's transaction, then Compare; the BesideFunc it returns (nil:
// none) runs meanwhile on a transaction of its own in the verification's
// snapshot, on another connection, beside this check's Compare and the
// later checks' — those are mostly PostgreSQL's work on one backend, the
// beside part mostly the verifier's, so together they use both sides of
// the machine. Without a spare connection it runs on the verification's
// transaction before Compare. VerifyDB waits for it before it returns.
//
// Errors are reported in the checks' order, a check's Compare before its
// beside part, whatever finishes first.
type DeepBesider interface {
	CompareBeside(ctx context.Context, tx pgx.Tx) (BesideFunc, error)
}

// BesideFunc is a DeepBesider's part of the comparison: it reads through
// side (a transaction in the verification's snapshot) and reads entries
// again with reread (over side). It must not use the verification's
// transaction.
type BesideFunc func(ctx context.Context, side pgx.Tx, reread EntryRereader) error

// besides are the beside parts running during the comparisons, by check.
type besides struct {
	cancel context.CancelFunc
	runs   []*besideRun // by check; nil: none, or run already
}

type besideRun struct {
	done chan struct{}
	err  error
	took time.Duration
}

func newBesides(ctx context.Context, n int) (*besides, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &besides{cancel: cancel, runs: make([]*besideRun, n)}, ctx
}

// start runs check i's beside part f on a transaction of its own in
// snapshot snap. It reports false, having started nothing, when no such
// transaction can be had.
func (b *besides) start(ctx context.Context, pool *pgxpool.Pool, snap, logID string, i int, f BesideFunc) bool {
	if snap == "" {
		return false
	}
	side, err := beginInSnapshot(ctx, pool, snap)
	if err != nil {
		return false
	}
	r := &besideRun{done: make(chan struct{})}
	b.runs[i] = r
	go func() {
		defer close(r.done)
		defer side.Rollback(context.WithoutCancel(ctx))
		t0 := time.Now()
		r.err = f(ctx, side, rereader(side, logID))
		r.took = time.Since(t0)
	}()
	return true
}

// wait waits for the beside parts of checks [0, n) and returns the index
// and error of the first that failed, in check order, or -1 and nil. Each
// part's time is added to took.
func (b *besides) wait(n int, took []time.Duration) (int, error) {
	for i, r := range b.runs[:n] {
		if r == nil {
			continue
		}
		<-r.done
		b.runs[i] = nil
		took[i] += r.took
		if r.err != nil {
			return i, r.err
		}
	}
	return -1, nil
}

// stop cancels the parts still running and waits for them.
func (b *besides) stop() {
	b.cancel()
	for _, r := range b.runs {
		if r != nil {
			<-r.done
		}
	}
}
