package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/validate"
)

// Dated ownership (issue 13 D6). Who operates a cinema, and who produces
// and distributes a film, is a history of date ranges kept in
// cinema_ownership and film_ownership (migrations/0021_dated_ownership.sql),
// projected from the cinema and film entries: revenue, statements,
// reconciliation and ledger read scopes follow the holder in force on a
// sale's box-office day.
const (
	selectCinemaHolder = `SELECT exhibitor_id, '', valid_from FROM cinema_ownership WHERE cinema_id = $1 AND valid_to IS NULL`
	closeCinemaHolder  = `UPDATE cinema_ownership SET valid_to = $2 WHERE cinema_id = $1 AND valid_to IS NULL`
	deleteCinemaOwners = `DELETE FROM cinema_ownership WHERE cinema_id = $1`
	insertCinemaHolder = `INSERT INTO cinema_ownership (cinema_id, exhibitor_id, valid_from, entry_seq) VALUES ($1, $2, $3, $4)`

	selectFilmHolder = `SELECT producer_id, distributor_id, valid_from FROM film_ownership WHERE film_id = $1 AND valid_to IS NULL`
	closeFilmHolder  = `UPDATE film_ownership SET valid_to = $2 WHERE film_id = $1 AND valid_to IS NULL`
	deleteFilmOwners = `DELETE FROM film_ownership WHERE film_id = $1`
	insertFilmHolder = `INSERT INTO film_ownership (film_id, producer_id, distributor_id, valid_from, entry_seq) VALUES ($1, $2, $3, $4, $5)`
)

// holder is the row in force of an ownership history: the parties
// (exhibitor; or producer and distributor) and since when (zero: from the
// beginning).
type holder struct {
	parties [2]string
	from    time.Time
}

// ownership is one object's history table and statements.
type ownership struct {
	sel, close, del string
	insert          func(ctx context.Context, tx pgx.Tx, id string, parties [2]string, from *time.Time, seq int64) error
	field           string // the field named in errors
}

var cinemaOwnership = ownership{selectCinemaHolder, closeCinemaHolder, deleteCinemaOwners,
	func(ctx context.Context, tx pgx.Tx, id string, p [2]string, from *time.Time, seq int64) error {
		_, err := tx.Exec(ctx, insertCinemaHolder, id, p[0], from, seq)
		return err
	}, "exhibitor_id"}

var filmOwnership = ownership{selectFilmHolder, closeFilmHolder, deleteFilmOwners,
	func(ctx context.Context, tx pgx.Tx, id string, p [2]string, from *time.Time, seq int64) error {
		_, err := tx.Exec(ctx, insertFilmHolder, id, p[0], p[1], from, seq)
		return err
	}, "producer_id or distributor_id"}

// current reads the holder in force (found false for a new object).
func (o ownership) current(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, id string) (h holder, found bool, err error) {
	var from *time.Time
	err = q.QueryRow(ctx, o.sel, id).Scan(&h.parties[0], &h.parties[1], &from)
	if errors.Is(err, pgx.ErrNoRows) {
		return holder{}, false, nil
	}
	if err != nil {
		return holder{}, false, fmt.Errorf("registry: ownership: %w", err)
	}
	if from != nil {
		h.from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	}
	return h, true, nil
}

// project writes the ownership history of one cinema or film entry: a new
// object's holders hold from the beginning; a change with effective_from
// closes the row in force on that day and opens the next; a change without
// it (entries written before dated ownership) replaces the history with one
// row from the beginning, which is what those entries meant; no change
// leaves the history alone (an effective_from is then ignored).
func (o ownership) project(ctx context.Context, tx pgx.Tx, id string, parties [2]string, effectiveFrom string, seq int64) error {
	cur, found, err := o.current(ctx, tx, id)
	switch {
	case err != nil:
		return err
	case found && cur.parties == parties:
		return nil
	case !found || effectiveFrom == "":
		if _, err := tx.Exec(ctx, o.del, id); err != nil {
			return err
		}
		return o.insert(ctx, tx, id, parties, nil, seq)
	}
	from, err := time.Parse(time.DateOnly, effectiveFrom)
	if err != nil {
		return fmt.Errorf("registry: effective_from %q: %w", effectiveFrom, err)
	}
	if _, err := tx.Exec(ctx, o.close, id, from); err != nil {
		return err
	}
	return o.insert(ctx, tx, id, parties, &from, seq)
}

// checkChange enforces the rule of a change of holder, inside the append
// transaction (after the head lock, so no other change or period close can
// come between): a change carries effective_from, after the day the holder
// in force took over and after the last closed month (closed statements are
// frozen). On a new object or without a change, effective_from is ignored.
func (s *Service) checkChange(ctx context.Context, tx pgx.Tx, o ownership, id string, parties [2]string, effectiveFrom string) error {
	cur, found, err := o.current(ctx, tx, id)
	if err != nil || !found || cur.parties == parties {
		return err
	}
	var v validate.Errors
	if effectiveFrom == "" {
		v.Add("effective_from", "required", "is required when %s changes: the first box-office day of the new holder", o.field)
		return v.Err()
	}
	d, err := time.Parse(time.DateOnly, effectiveFrom)
	if err != nil {
		return fmt.Errorf("registry: effective_from %q: %w", effectiveFrom, err) // normalise checked it
	}
	if !cur.from.IsZero() && !d.After(cur.from) {
		v.Add("effective_from", "out_of_range", "must be after %s, when the holder in force took over", cur.from.Format(time.DateOnly))
		return v.Err()
	}
	if s.closedThrough != nil {
		closed, err := s.closedThrough(ctx, tx)
		if err != nil {
			return fmt.Errorf("registry: closed periods: %w", err)
		}
		if !closed.IsZero() && !d.After(closed) {
			v.Add("effective_from", "out_of_range", "must be after %s: the months through it are closed and their statements frozen", closed.Format(time.DateOnly))
			return v.Err()
		}
	}
	return nil
}

// SetClosedThrough tells the registry how to read the last closed day of
// settlement (the last day of the latest closed month, zero when none),
// inside the append transaction: a change of holder may not reach into a
// closed month. Without it no such bound is applied.
func (s *Service) SetClosedThrough(f func(ctx context.Context, tx pgx.Tx) (time.Time, error)) {
	s.closedThrough = f
}
