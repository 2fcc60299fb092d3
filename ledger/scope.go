package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const (
	sqlEntryScopeBySeq = `SELECT seq, leaf_hash, bytes, kind, actor, at, coalesce(cinema_id, ''), coalesce(film_id, ''), flags
FROM ledger_entries WHERE log_id = $1 AND seq = $2`
	sqlCinemaOfExhibitor  = `SELECT EXISTS (SELECT 1 FROM cinemas WHERE id = $1 AND exhibitor_id = $2)`
	sqlFilmOfParty        = `SELECT EXISTS (SELECT 1 FROM films WHERE id = $1 AND (producer_id = $2 OR distributor_id = $2))`
	sqlCinemasOfExhibitor = `SELECT id FROM cinemas WHERE exhibitor_id = $1`
	sqlFilmsOfParty       = `SELECT id FROM films WHERE producer_id = $1 OR distributor_id = $1`

	sqlExportAll = `SELECT seq, leaf_hash, bytes, kind, actor, at FROM ledger_entries
WHERE log_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4`
	// sqlExportScoped reads one page of the entries of some cinemas or
	// films: one index range scan per id (LATERAL ... LIMIT), merged by seq,
	// so a page costs O(ids × page) however long the log.
	sqlExportScoped = `SELECT seq, leaf_hash, bytes, kind, actor, at FROM ledger_entries
WHERE log_id = $1 AND seq = ANY (ARRAY(
  SELECT x.seq FROM unnest($5::text[]) AS c(id) CROSS JOIN LATERAL (
    SELECT seq FROM ledger_entries
    WHERE log_id = $1 AND cinema_id = c.id AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4) x
  UNION
  SELECT x.seq FROM unnest($6::text[]) AS f(id) CROSS JOIN LATERAL (
    SELECT seq FROM ledger_entries
    WHERE log_id = $1 AND film_id = f.id AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4) x
  ORDER BY 1 LIMIT $4))
ORDER BY seq`
)

// ErrOutOfScope reports an entry that exists but is outside the reader's
// scope.
var ErrOutOfScope = errors.New("ledger: entry outside the key's scope")

// Scope says which entries a caller may read. The zero Scope reads nothing.
// The API maps roles to it: admin and auditor All; pos CinemaID; exhibitor
// ExhibitorID; producer and distributor FilmPartyID; every other role the
// zero Scope.
type Scope struct {
	All         bool   // every entry
	CinemaID    string // entries scoped to this cinema
	ExhibitorID string // entries scoped to a cinema this party operates (cinemas.exhibitor_id)
	FilmPartyID string // entries scoped to a film this party produces or distributes (films.producer_id / distributor_id)
}

// ScopedEntry is an entry with its read scope and anomaly flags.
type ScopedEntry struct {
	Entry
	CinemaID string
	FilmID   string
	Flags    []string
}

// EntryIn returns entry seq if scope may read it: ErrNotFound when there is
// no such entry, ErrOutOfScope when it exists outside the scope.
func (r *Reader) EntryIn(ctx context.Context, seq int64, scope Scope) (ScopedEntry, error) {
	var e ScopedEntry
	var leaf []byte
	err := r.pool.QueryRow(ctx, sqlEntryScopeBySeq, r.logID, seq).Scan(&e.Seq, &leaf, &e.Bytes, &e.Kind, &e.Actor, &e.At, &e.CinemaID, &e.FilmID, &e.Flags)
	if errors.Is(err, pgx.ErrNoRows) {
		return ScopedEntry{}, fmt.Errorf("ledger: entry %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return ScopedEntry{}, fmt.Errorf("ledger: read entry %d: %w", seq, err)
	}
	e.complete(leaf)
	ok, err := r.allows(ctx, scope, e.CinemaID, e.FilmID)
	if err != nil {
		return ScopedEntry{}, err
	}
	if !ok {
		return ScopedEntry{}, fmt.Errorf("ledger: entry %d: %w", seq, ErrOutOfScope)
	}
	return e, nil
}

func (r *Reader) allows(ctx context.Context, s Scope, cinemaID, filmID string) (bool, error) {
	switch {
	case s.All:
		return true, nil
	case s.CinemaID != "" && cinemaID == s.CinemaID:
		return true, nil
	}
	var ok bool
	if s.ExhibitorID != "" && cinemaID != "" {
		if err := r.pool.QueryRow(ctx, sqlCinemaOfExhibitor, cinemaID, s.ExhibitorID).Scan(&ok); err != nil {
			return false, fmt.Errorf("ledger: scope: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	if s.FilmPartyID != "" && filmID != "" {
		if err := r.pool.QueryRow(ctx, sqlFilmOfParty, filmID, s.FilmPartyID).Scan(&ok); err != nil {
			return false, fmt.Errorf("ledger: scope: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// Export calls fn for every entry with from <= seq < to that scope may
// read, in seq order. to < 0 means the current tree size. Entries are read
// in pages of 1,000 so memory stays flat however long the log; fn may write
// to a network stream.
func (r *Reader) Export(ctx context.Context, from, to int64, scope Scope, fn func(Entry) error) error {
	h, err := r.Head(ctx)
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
	var cinemas, films []string
	if !scope.All {
		cinemas, films, err = r.scopeIDs(ctx, scope)
		if err != nil {
			return err
		}
		if len(cinemas)+len(films) == 0 {
			return nil // nothing readable
		}
		query = sqlExportScoped
	}
	const page = 1000
	for from < to {
		args := []any{r.logID, from, to, page}
		if !scope.All {
			args = append(args, cinemas, films)
		}
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

// scopeIDs lists the cinemas or films a non-All scope covers.
func (r *Reader) scopeIDs(ctx context.Context, s Scope) (cinemas, films []string, err error) {
	if s.CinemaID != "" {
		cinemas = append(cinemas, s.CinemaID)
	}
	if s.ExhibitorID != "" {
		ids, err := r.ids(ctx, sqlCinemasOfExhibitor, s.ExhibitorID)
		if err != nil {
			return nil, nil, err
		}
		cinemas = append(cinemas, ids...)
	}
	if s.FilmPartyID != "" {
		films, err = r.ids(ctx, sqlFilmsOfParty, s.FilmPartyID)
		if err != nil {
			return nil, nil, err
		}
	}
	return cinemas, films, nil
}

func (r *Reader) ids(ctx context.Context, query, arg string) ([]string, error) {
	rows, err := r.pool.Query(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("ledger: scope: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("ledger: scope: %w", err)
	}
	return ids, nil
}
