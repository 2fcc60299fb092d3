package ledger_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// besideCheck's beside part notes what it sees through its transaction:
// the backend, the ledger's size, the entries read again. It waits for
// release (when set), then fails when fail is set.
type besideCheck struct {
	during           func() // called by CompareBeside before it returns
	release          chan struct{}
	fail             bool
	txPID, sidePID   int
	size             int64
	reread           []int64
	comparedOnTxLast bool // Compare ran after the beside part (on tx: in order)
	besideDone       bool
}

func (b *besideCheck) Name() string                               { return "test.beside" }
func (b *besideCheck) Begin(ctx context.Context, tx pgx.Tx) error { return nil }
func (b *besideCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, pe ledger.ParsedEntry) error {
	return nil
}
func (b *besideCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	b.comparedOnTxLast = b.besideDone
	return nil
}
func (b *besideCheck) CompareBeside(ctx context.Context, tx pgx.Tx) (ledger.BesideFunc, error) {
	if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&b.txPID); err != nil {
		return nil, err
	}
	if b.during != nil {
		b.during()
	}
	return func(ctx context.Context, side pgx.Tx, reread ledger.EntryRereader) error {
		defer func() { b.besideDone = true }()
		if err := side.QueryRow(ctx, `SELECT pg_backend_pid(), (SELECT count(*) FROM ledger_entries)`).Scan(&b.sidePID, &b.size); err != nil {
			return err
		}
		err := reread(ctx, []int64{2, 5, 7}, func(e ledger.Entry, pe ledger.ParsedEntry) error {
			b.reread = append(b.reread, e.Seq)
			return nil
		})
		if err != nil {
			return err
		}
		if b.release != nil {
			select {
			case <-b.release:
			case <-time.After(10 * time.Second):
				return errors.New("the later check's Compare did not run beside")
			}
		}
		if b.fail {
			return errors.New("beside part failed")
		}
		return nil
	}, nil
}

// releaseCheck's Compare closes release, then fails when fail is set.
type releaseCheck struct {
	release chan struct{}
	fail    bool
}

func (r *releaseCheck) Name() string                               { return "test.release" }
func (r *releaseCheck) Begin(ctx context.Context, tx pgx.Tx) error { return nil }
func (r *releaseCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, pe ledger.ParsedEntry) error {
	return nil
}
func (r *releaseCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	close(r.release)
	if r.fail {
		return &ledger.ProjectionMismatch{Table: "t", Seq: 3, Detail: "the later check differs"}
	}
	return nil
}

func TestDeepBesider(t *testing.T) {
	f := newFixture(t, 30)
	t.Run("the beside part runs on its own connection in the snapshot, beside the later checks", func(t *testing.T) {
		w := startWriter(t, f.app, ledger.WriterConfig{})
		release := make(chan struct{})
		b := &besideCheck{release: release, during: func() {
			// Entries appended now are not in the verification's snapshot.
			for i := range 5 {
				if _, err := w.Append(t.Context(), saleRecord(100+i)); err != nil {
					t.Error(err)
				}
			}
		}}
		rep, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{b, &releaseCheck{release: release}}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 30 || b.size != 30 {
			t.Fatalf("verified %d entries, the beside part saw %d; want 30 both", rep.Entries, b.size)
		}
		if b.sidePID == b.txPID || b.sidePID == 0 {
			t.Fatalf("beside part on backend %d, the verification on %d", b.sidePID, b.txPID)
		}
		if !slices.Equal(b.reread, []int64{2, 5, 7}) {
			t.Fatalf("read again %v", b.reread)
		}
		if len(rep.DeepTime) != 2 || rep.DeepTime[0] <= 0 {
			t.Fatalf("deep times %v", rep.DeepTime)
		}
	})
	t.Run("errors are reported in the checks' order, not as they finish", func(t *testing.T) {
		release := make(chan struct{})
		_, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{&besideCheck{release: release, fail: true}, &releaseCheck{release: release, fail: true}}})
		if err == nil || !strings.Contains(err.Error(), "test.beside: beside part failed") || strings.Contains(err.Error(), "later check") {
			t.Fatalf("error %v, want the beside part's of the first check", err)
		}
	})
	t.Run("a later Compare's error once the beside parts before it passed", func(t *testing.T) {
		release := make(chan struct{})
		_, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{&besideCheck{release: release}, &releaseCheck{release: release, fail: true}}})
		var ve *ledger.VerifyError
		if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || ve.Seq != 3 || !strings.Contains(ve.Detail, "the later check differs") {
			t.Fatalf("error %v, want the later check's mismatch at seq 3", err)
		}
	})
	t.Run("without a spare connection it runs on the verification's transaction, before Compare", func(t *testing.T) {
		var held []func()
		for f.app.Stat().AcquiredConns() < f.app.Stat().MaxConns()-1 {
			c, err := f.app.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c.Release)
		}
		b := &besideCheck{}
		_, err := ledger.VerifyDB(t.Context(), f.app, ledger.VerifyOptions{Verifier: f.verifier,
			Deep: []ledger.DeepCheck{b}})
		for _, r := range held {
			r()
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.sidePID != b.txPID || b.size != 35 || !b.comparedOnTxLast || !slices.Equal(b.reread, []int64{2, 5, 7}) {
			t.Fatalf("beside part on backend %d (verification %d), saw %d entries, Compare after it %v, read again %v",
				b.sidePID, b.txPID, b.size, b.comparedOnTxLast, b.reread)
		}
	})
}
