package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Batcher decides and projects whole runs of records of one kind under the
// head lock: the group path of the writer. A Record whose Batch is set
// carries only its Kind, Actor and Request; the Batcher computes the body,
// scope and flags from the state it reads inside the append transaction,
// so nothing is read outside and re-checked, and no retry is needed.
//
// The writer calls the Batcher for each run of consecutive records of a
// group that name it (the same Batcher value), in queue order:
//
//  1. Prepare(ctx, tx, pending, requests) with the Request of each record
//     of the run. pending holds the writes of the group's earlier runs, not
//     sent yet: Prepare queues its reads after them and sends pending with
//     tx.SendBatch (one round trip for both) before it decides. It applies
//     the rules to the records in order, each seeing the effects of the
//     ones before it in the run, and returns one Prepared per record for a
//     prefix of the run (at least one). A Prepared with Err set rejects
//     that record alone: it gets no seq and Append returns Err wrapped
//     with %w. Prepare queues no writes. An error fails the whole group.
//  2. The writer assigns seqs and encodes the accepted entries.
//  3. Project(ctx, tx, b, accepted) queues the projection writes of the
//     accepted entries into b, which the writer sends together with the
//     entries themselves (one round trip); Project may read through tx
//     first. It runs after every earlier run's writes are sent, so it and
//     the next Prepare see them. An error (or a failed queued statement)
//     fails the whole group: Prepare has decided, so it is a bug or an
//     outage, not a rule.
//
// The writer then calls Prepare again for the rest of the run, if Prepare
// returned only a prefix. Answers (entries and rejections) are given after
// the transaction commits, so a caller told "rejected" can read everything
// the group committed.
type Batcher interface {
	Prepare(ctx context.Context, tx pgx.Tx, pending *pgx.Batch, requests []any) ([]Prepared, error)
	Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, accepted []Accepted) error
}

// Prepared is what a Batcher decided about one record.
type Prepared struct {
	Err      error    // the record is rejected; the other fields are ignored
	Body     any      // the entry's body (marshalled like Record.Body)
	CinemaID string   // read scope; "" when none
	FilmID   string   // read scope; "" when none
	Flags    []string // anomaly flags stored beside the entry
	State    any      // handed back to Project with the entry
}

// Accepted is one entry of a run that Project writes the projections of.
type Accepted struct {
	Entry   Entry
	Request any // the Record's Request
	State   any // the Prepared's State
}

// Sizer may be implemented by a Record's Request to tell the writer about
// how many bytes its entry will have (for WriterConfig.MaxBatchBytes).
type Sizer interface{ Size() int }

// errBatchPanic wraps a panic of a Batcher into the group's error.
var errBatchPanic = errors.New("ledger: batcher panicked")

func safePrepare(ctx context.Context, bt Batcher, tx pgx.Tx, pending *pgx.Batch, reqs []any) (p []Prepared, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: prepare: %v", errBatchPanic, r)
		}
	}()
	p, err = bt.Prepare(ctx, tx, pending, reqs)
	if err == nil && (len(p) == 0 || len(p) > len(reqs)) {
		err = fmt.Errorf("ledger: batcher prepared %d of %d records", len(p), len(reqs))
	}
	return p, err
}

func safeProject(ctx context.Context, bt Batcher, tx pgx.Tx, b *pgx.Batch, acc []Accepted) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: project: %v", errBatchPanic, r)
		}
	}()
	return bt.Project(ctx, tx, b, acc)
}
