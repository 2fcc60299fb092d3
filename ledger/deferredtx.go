package ledger

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// deferredTx is the verification's transaction as the deep checks get it.
// A check may send a batch of writes into its shadow tables with
// SendBatchLater and go on with the next entries while PostgreSQL applies
// it (on a national year the ingest check waited 15 s for its batches,
// with the cores half idle); every other use of the transaction — by any
// check, by VerifyDB, or the next SendBatchLater — first waits for that
// batch. So the connection is used by one goroutine at a time, and every
// statement sees the writes sent before it, as if they had been waited
// for.
//
// A deferred batch that failed fails every later use with its error
// (which is also what VerifyDB reports, whichever check's call met it).
type deferredTx struct {
	pgx.Tx
	pending chan error // the batch out, nil when none
	err     error      // a deferred batch's error, kept
}

// deferredError is the error of a batch sent by SendBatchLater, met by a
// later use of the transaction.
type deferredError struct{ err error }

func (e *deferredError) Error() string { return e.err.Error() }
func (e *deferredError) Unwrap() error { return e.err }

// settle waits for the batch out, and returns the error of any deferred
// batch.
func (t *deferredTx) settle() error {
	if t.pending != nil {
		if err := <-t.pending; err != nil && t.err == nil {
			t.err = &deferredError{err}
		}
		t.pending = nil
	}
	return t.err
}

// SendBatchLater sends b on tx. Inside VerifyDB's deep checks it returns at
// once: the batch is applied while the check goes on, and its error,
// wrapped by wrap, is returned by the next use of tx (and reported by
// VerifyDB). On any other transaction it waits, as SendBatch does.
func SendBatchLater(ctx context.Context, tx pgx.Tx, b *pgx.Batch, wrap func(error) error) error {
	t, ok := tx.(*deferredTx)
	if !ok {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return wrap(err)
		}
		return nil
	}
	if err := t.settle(); err != nil {
		return err
	}
	done := make(chan error, 1)
	t.pending = done
	go func() {
		err := t.Tx.SendBatch(ctx, b).Close()
		if err != nil {
			err = wrap(err)
		}
		done <- err
	}()
	return nil
}

// errOr is the deferred batch's error when there was one (the cause of
// err, met later), else err.
func (t *deferredTx) errOr(err error) error {
	if derr := t.settle(); derr != nil {
		return derr
	}
	return err
}

// Every method of pgx.Tx waits for the batch out first.

func (t *deferredTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.settle(); err != nil {
		return nil, err
	}
	return t.Tx.Begin(ctx)
}

func (t *deferredTx) Commit(ctx context.Context) error {
	if err := t.settle(); err != nil {
		return err
	}
	return t.Tx.Commit(ctx)
}

// Rollback rolls back whatever a deferred batch did.
func (t *deferredTx) Rollback(ctx context.Context) error {
	t.settle()
	return t.Tx.Rollback(ctx)
}

func (t *deferredTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.settle(); err != nil {
		return 0, err
	}
	return t.Tx.CopyFrom(ctx, table, columns, src)
}

// SendBatch waits for the batch out; after a failed one, the transaction
// is aborted and b fails on it.
func (t *deferredTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	t.settle()
	return t.Tx.SendBatch(ctx, b)
}

func (t *deferredTx) LargeObjects() pgx.LargeObjects {
	t.settle()
	return t.Tx.LargeObjects()
}

func (t *deferredTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.settle(); err != nil {
		return nil, err
	}
	return t.Tx.Prepare(ctx, name, sql)
}

func (t *deferredTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := t.settle(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.Tx.Exec(ctx, sql, args...)
}

func (t *deferredTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.settle(); err != nil {
		return nil, err
	}
	return t.Tx.Query(ctx, sql, args...)
}

// QueryRow waits for the batch out; after a failed one, the row's Scan
// fails on the aborted transaction.
func (t *deferredTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	t.settle()
	return t.Tx.QueryRow(ctx, sql, args...)
}

func (t *deferredTx) Conn() *pgx.Conn {
	t.settle()
	return t.Tx.Conn()
}
