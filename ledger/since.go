package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeQuery asks what entries of some kinds touched in [From, To) of a
// log.
type ChangeQuery struct {
	LogID    string   // "" for DefaultLogID
	From, To int64    // seq range, To exclusive
	Kinds    []string // entry kinds; none means every kind
	// Days asks for each change's earliest business day (see Scope); it
	// reads every matching entry's body, so leave it off for long ranges.
	Days bool
}

// Change is what the entries of one kind did to one cinema × film (either
// "" when the entries have no such scope) in a ChangeQuery's range.
type Change struct {
	Kind, CinemaID, FilmID string
	Entries                int64
	// With ChangeQuery.Days: the earliest business day of the entries
	// (zero when none has one), and whether some entry has none.
	FirstDay time.Time
	Undated  bool
}

const (
	sqlChanges = `SELECT kind, coalesce(cinema_id, ''), coalesce(film_id, ''), count(*), NULL::date, false
FROM ledger_entries WHERE log_id = $1 AND seq >= $2 AND seq < $3 AND (cardinality($4::text[]) = 0 OR kind = ANY($4))
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
	sqlChangesDays = `SELECT kind, coalesce(cinema_id, ''), coalesce(film_id, ''), count(*), min(` + sqlEntryDay + `), bool_or(` + sqlEntryDay + ` IS NULL)
FROM ledger_entries WHERE log_id = $1 AND seq >= $2 AND seq < $3 AND (cardinality($4::text[]) = 0 OR kind = ANY($4))
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
)

// Queryer is what both a pool and a transaction offer for reading.
type Queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Changes is the ledger's reader of what changed since a seq, for packages
// that keep projections of their own (settlement asks which cinema × film
// pairs got sales or refunds after a close, and whether any entry since its
// snapshot is late for the month it closes). q is a pool or a transaction,
// so a caller reads in its own snapshot. Changes come ordered by kind,
// cinema, film.
func Changes(ctx context.Context, q Queryer, cq ChangeQuery) ([]Change, error) {
	if cq.LogID == "" {
		cq.LogID = DefaultLogID
	}
	if cq.Kinds == nil {
		cq.Kinds = []string{}
	}
	query := sqlChanges
	if cq.Days {
		query = sqlChangesDays
	}
	rows, err := q.Query(ctx, query, cq.LogID, cq.From, cq.To, cq.Kinds)
	if err != nil {
		return nil, fmt.Errorf("ledger: changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var day *time.Time
		if err := rows.Scan(&c.Kind, &c.CinemaID, &c.FilmID, &c.Entries, &day, &c.Undated); err != nil {
			return nil, fmt.Errorf("ledger: changes: %w", err)
		}
		if day != nil {
			c.FirstDay = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: changes: %w", err)
	}
	return out, nil
}
