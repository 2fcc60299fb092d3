package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sqlEntryDay is an entry's business day (see Scope): the box-office day
// its body names, NULL when it names none. It reads the hashed bytes, so
// the day cannot disagree with what was signed.
const sqlEntryDay = `(convert_from(bytes, 'UTF8')::jsonb #>> '{body,box_office_day}')::date`

const (
	sqlEntryScopeBySeq = `SELECT seq, leaf_hash, bytes, kind, actor, at, coalesce(cinema_id, ''), coalesce(film_id, ''), flags,
  ` + sqlEntryDay + `
FROM ledger_entries WHERE log_id = $1 AND seq = $2`

	sqlExportAll = `SELECT seq, leaf_hash, bytes, kind, actor, at FROM ledger_entries
WHERE log_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4`
	// sqlExportScoped reads one page of the entries a scope's grants cover:
	// one index range scan per grant (LATERAL ... LIMIT), merged by seq, so
	// a page costs O(grants × page) however long the log. The business day
	// is read (a JSON parse) only for grants bounded in time.
	sqlExportScoped = `SELECT seq, leaf_hash, bytes, kind, actor, at FROM ledger_entries
WHERE log_id = $1 AND seq = ANY (ARRAY(
  SELECT x.seq FROM unnest($5::text[], $6::date[], $7::date[]) AS g(id, f, t) CROSS JOIN LATERAL (
    SELECT seq FROM ledger_entries
    WHERE log_id = $1 AND cinema_id = g.id AND seq >= $2 AND seq < $3
      AND CASE WHEN g.f IS NULL AND g.t IS NULL THEN true
          ELSE coalesce(` + sqlEntryDay + ` >= coalesce(g.f, '-infinity') AND ` + sqlEntryDay + ` < coalesce(g.t, 'infinity'), true) END
    ORDER BY seq LIMIT $4) x
  UNION
  SELECT x.seq FROM unnest($8::text[], $9::date[], $10::date[]) AS g(id, f, t) CROSS JOIN LATERAL (
    SELECT seq FROM ledger_entries
    WHERE log_id = $1 AND film_id = g.id AND seq >= $2 AND seq < $3
      AND CASE WHEN g.f IS NULL AND g.t IS NULL THEN true
          ELSE coalesce(` + sqlEntryDay + ` >= coalesce(g.f, '-infinity') AND ` + sqlEntryDay + ` < coalesce(g.t, 'infinity'), true) END
    ORDER BY seq LIMIT $4) x
  ORDER BY 1 LIMIT $4))
ORDER BY seq`
)

// ErrOutOfScope reports an entry that exists but is outside the reader's
// scope.
var ErrOutOfScope = errors.New("ledger: entry outside the key's scope")

// Scope says which entries a caller may read. The zero Scope reads nothing.
//
// The ledger knows no parties: who owns which cinema or film, and since
// when, is the registry's. The layer above (api, through the registry)
// resolves a key to grants, and the ledger filters its scope columns
// (cinema_id, film_id) and each entry's business day by them. The business
// day of an entry is the box_office_day its body names (sales, refunds,
// screenings): a grant covers it when the day is in the grant's range. An
// entry without one (the cinema's or film's own registry entries) is a fact
// about the object, not revenue, and any grant of its id covers it.
type Scope struct {
	All     bool    // every entry
	Cinemas []Grant // entries scoped to these cinemas, on the grants' days
	Films   []Grant // entries scoped to these films, on the grants' days
}

// Grant is one cinema or film id with the business days [From, To) it is
// readable on; a zero From or To leaves that side open.
type Grant struct {
	ID       string
	From, To time.Time
}

// covers reports whether g grants an entry of id on business day d (zero:
// the entry has none).
func (g Grant) covers(id string, d time.Time) bool {
	return g.ID == id && (d.IsZero() || (g.From.IsZero() || !d.Before(g.From)) && (g.To.IsZero() || d.Before(g.To)))
}

// ScopedEntry is an entry with its read scope and anomaly flags.
type ScopedEntry struct {
	Entry
	CinemaID string
	FilmID   string
	Flags    []string
	Day      time.Time // business day (see Scope); zero when none
}

// allows reports whether s may read an entry of this cinema and film on
// business day day (zero when the entry has none).
func (s Scope) allows(cinemaID, filmID string, day time.Time) bool {
	if s.All {
		return true
	}
	for _, g := range s.Cinemas {
		if cinemaID != "" && g.covers(cinemaID, day) {
			return true
		}
	}
	for _, g := range s.Films {
		if filmID != "" && g.covers(filmID, day) {
			return true
		}
	}
	return false
}

// EntryIn returns entry seq if scope may read it: ErrNotFound when there is
// no such entry, ErrOutOfScope when it exists outside the scope.
func (r *Reader) EntryIn(ctx context.Context, seq int64, scope Scope) (ScopedEntry, error) {
	var e ScopedEntry
	var leaf []byte
	var day *time.Time
	err := r.pool.QueryRow(ctx, sqlEntryScopeBySeq, r.logID, seq).Scan(&e.Seq, &leaf, &e.Bytes, &e.Kind, &e.Actor, &e.At, &e.CinemaID, &e.FilmID, &e.Flags, &day)
	if errors.Is(err, pgx.ErrNoRows) {
		return ScopedEntry{}, fmt.Errorf("ledger: entry %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return ScopedEntry{}, fmt.Errorf("ledger: read entry %d: %w", seq, err)
	}
	e.complete(leaf)
	if day != nil {
		e.Day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	}
	if !scope.allows(e.CinemaID, e.FilmID, e.Day) {
		return ScopedEntry{}, fmt.Errorf("ledger: entry %d: %w", seq, ErrOutOfScope)
	}
	return e, nil
}

// grantColumns turns grants into the three arrays sqlExportScoped unnests.
func grantColumns(gs []Grant) (ids []string, from, to []*time.Time) {
	ids, from, to = make([]string, len(gs)), make([]*time.Time, len(gs)), make([]*time.Time, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
		if !g.From.IsZero() {
			from[i] = &gs[i].From
		}
		if !g.To.IsZero() {
			to[i] = &gs[i].To
		}
	}
	return ids, from, to
}

// Export calls fn for every entry with from <= seq < to that scope may
// read, in seq order. to < 0 means the current tree size. Entries are read
// in pages of 1,000 so memory stays flat however long the log; fn may write
// to a network stream.
func (r *Reader) Export(ctx context.Context, from, to int64, scope Scope, fn func(Entry) error) error {
	h, err := r.head(ctx)
	if err != nil {
		return err
	}
	if to < 0 || to > h.Size {
		to = h.Size
	}
	if from < 0 || from > to {
		return fmt.Errorf("%w: export from %d to %d (tree size %d)", ErrBadRange, from, to, h.Size)
	}
	query := sqlExportAll
	var scoped []any
	if !scope.All {
		if len(scope.Cinemas)+len(scope.Films) == 0 {
			return nil // nothing readable
		}
		ci, cf, ct := grantColumns(scope.Cinemas)
		fi, ff, ft := grantColumns(scope.Films)
		scoped = []any{ci, cf, ct, fi, ff, ft}
		query = sqlExportScoped
	}
	const page = 1000
	for from < to {
		args := append([]any{r.logID, from, to, page}, scoped...)
		rows, err := r.pool.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		es := make([]Entry, 0, page)
		for rows.Next() {
			var e Entry
			var leaf []byte
			if err := rows.Scan(&e.Seq, &leaf, &e.Bytes, &e.Kind, &e.Actor, &e.At); err != nil {
				rows.Close()
				return fmt.Errorf("ledger: export: %w", err)
			}
			e.complete(leaf)
			es = append(es, e)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(es) < page {
			return nil
		}
		from = es[len(es)-1].Seq + 1
	}
	return nil
}
