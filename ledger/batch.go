package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Batcher decides and projects whole runs of records of one kind under the
// head lock: the group path of the writer. A Record whose Batch is set
// carries only its Kind, Actor and Request; the Batcher computes the body,
// scope and flags from the state it reads inside the append transaction,
// so nothing is read outside and re-checked, and no retry is needed.
//
// The writer calls the Batcher for each run of consecutive records of a
// group that name it (the same Batcher value), in queue order (with
// WriterConfig.GroupByRun, all of a group's records that name it form one
// run, and its plain records come after every run):
//
//  1. Prepare(ctx, tx, pending, requests) with the Request of each record
//     of the run. pending holds what the group queued before, not sent
//     yet (for the group's first run: BEGIN and the head lock; later: the
//     writes of the earlier runs): Prepare queues its reads after them and
//     must send pending with tx.SendBatch (one round trip for all) before
//     it decides. Its reads run after the head lock is granted. It applies
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

// Optimistic and careful runs. A group is careful when Careful(ctx) is
// true for the ctx its Batchers get. In a group that is not careful, a
// Prepare may skip the reads whose only use is to find rows that a unique
// index of a table its Project inserts into would reject (an id or a key
// already taken), and decide as if there were none. If there was one, the
// insert fails (SQLSTATE 23505), the whole group is rolled back and the
// writer runs it again, careful, and keeps running groups careful for
// WriterConfig.CarefulFor. So every answer is the answer of a careful run: an
// optimistic run commits only when none of its skipped reads would have
// found a row. Prepare and Project may therefore run twice for the same
// records (the first run's writes are rolled back; Project must set its
// results on each run). A plain record (Project func) runs once: a group
// with a plain record before a run is always careful; plain records after
// every run leave it optimistic, since the first of them sends the runs'
// writes before its Project runs, so an optimistic run's unique violation
// fails the group before any Project func ran.
type carefulKey struct{}

// defaultCarefulFor is how long the writer runs every group careful after
// an optimistic group failed on a unique index (WriterConfig.CarefulFor).
const defaultCarefulFor = time.Second

// Careful reports whether a Batcher must read every premise of its
// decisions (see Batcher).
func Careful(ctx context.Context) bool {
	c, _ := ctx.Value(carefulKey{}).(bool)
	return c
}

// Prepared is what a Batcher decided about one record.
type Prepared struct {
	Err      error    // the record is rejected; the other fields are ignored
	Body     any      // the entry's body (marshalled like Record.Body, or a RawBody)
	CinemaID string   // read scope; "" when none
	FilmID   string   // read scope; "" when none
	Flags    []string // anomaly flags stored beside the entry
	State    any      // handed back to Project with the entry
}

// RawBody is a Prepared.Body already encoded: the exact bytes encoding/json
// gives for the body (compact, HTML characters not escaped), which the
// Batcher that builds them guarantees and tests. The writer checks only
// that they are one JSON object and uses them as they are, so a Batcher
// can encode the parts of a body that depend only on its request before
// the group, off the serial writer.
type RawBody []byte

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
