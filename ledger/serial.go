package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Decider is a record decided alone under the head lock: a rarely written
// record (a version of a venue, a session, a unit; a loan) whose rules and
// copied facts come from rows another write may change. Its Request
// implements Decider and its Batch is Serial.
type Decider interface {
	// Decide reads what the record's rules need through tx (under the head
	// lock, after every earlier record of the group is written) and
	// returns its body, or a rejection in Prepared.Err. An error fails the
	// group. It may run twice for the same record (see Careful).
	Decide(ctx context.Context, tx pgx.Tx) (Prepared, error)
	// Project writes the accepted entry's projections. It must not refuse
	// (Decide has decided): an error fails the group.
	Project(ctx context.Context, tx pgx.Tx, e Entry) error
}

// Serial is the Batcher of Decider records: it decides the first record of
// a run alone, and the writer calls it again for the rest, each seeing the
// writes of the ones before it. It is the group path for records too rare
// to be worth a set-based Batcher, so that nothing they copy or check is
// read outside the lock.
var Serial Batcher = serial{}

type serial struct{}

func (serial) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, in []any) ([]Prepared, error) {
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return nil, fmt.Errorf("ledger: pending writes: %w", err)
		}
	}
	d, ok := in[0].(Decider)
	if !ok {
		return nil, fmt.Errorf("ledger: serial record %T is not a Decider", in[0])
	}
	p, err := d.Decide(ctx, tx)
	if err != nil {
		return nil, err
	}
	return []Prepared{p}, nil
}

func (serial) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []Accepted) error {
	for _, a := range acc {
		if err := a.Request.(Decider).Project(ctx, tx, a.Entry); err != nil {
			return err
		}
	}
	return nil
}
