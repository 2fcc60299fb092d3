package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

const (
	upsertParty = `INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, kind = EXCLUDED.kind, name = EXCLUDED.name,
  bin = EXCLUDED.bin, entry_seq = EXCLUDED.entry_seq`
	selectParty   = `SELECT id, version, kind, name, bin FROM parties WHERE id = $1`
	selectParties = `SELECT id, version, kind, name, bin FROM parties WHERE id > $1 ORDER BY id LIMIT $2`
)

// PutParty creates or replaces a party and returns it with its new version.
func (s *Service) PutParty(ctx context.Context, actor, id string, p Party) (Party, error) {
	p, err := normaliseParty(id, p)
	if err != nil {
		return Party{}, err
	}
	p.Version, err = s.appendVersion(ctx, actor, "party", p.body(), ledger.Record{},
		func(ctx context.Context, tx pgx.Tx) error { return checkKindKept(ctx, tx, p) })
	return p, err
}

// selectPartyUse finds one place that relies on a party's current kind.
const selectPartyUse = `SELECT kind, what FROM (
  SELECT p.kind, 'cinema ' || c.id AS what FROM parties p JOIN cinemas c ON c.exhibitor_id = p.id WHERE p.id = $1
  UNION ALL SELECT p.kind, 'film ' || f.id FROM parties p JOIN films f ON f.producer_id = p.id OR f.distributor_id = p.id WHERE p.id = $1
  UNION ALL SELECT p.kind, 'rental terms of film ' || o.film_id FROM parties p JOIN rental_term_overrides o ON o.exhibitor_id = p.id WHERE p.id = $1
) u LIMIT 1`

// checkKindKept refuses to change the kind of a party that cinemas, films
// or rental terms refer to in that kind: their settlement depends on it.
func checkKindKept(ctx context.Context, tx pgx.Tx, p Party) error {
	var kind, what string
	err := tx.QueryRow(ctx, selectPartyUse, p.ID).Scan(&kind, &what)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && kind == p.Kind) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("registry: check party use: %w", err)
	}
	return fmt.Errorf("%w: party %q is the %s of %s and cannot become a %s", ErrPartyInUse, p.ID, kind, what, p.Kind)
}

func scanParty(r pgx.Row) (Party, error) {
	var p Party
	err := r.Scan(&p.ID, &p.Version, &p.Kind, &p.Name, &p.BIN)
	return p, err
}

// Party returns the current version of a party.
func (s *Service) Party(ctx context.Context, id string) (Party, error) {
	p, err := scanParty(s.pool.QueryRow(ctx, selectParty, id))
	if err != nil {
		return Party{}, notFound(err, "party", id)
	}
	return p, nil
}

// Parties returns a page of parties ordered by id and the cursor of the next
// page ("" on the last).
func (s *Service) Parties(ctx context.Context, page Page) ([]Party, string, error) {
	return listPage(ctx, s, selectParties, "parties", page, scanParty, func(p Party) string { return p.ID })
}

// listPage reads one page of a list ordered by id: query takes the cursor
// (the last id of the previous page) and a limit, and is asked for one row
// more than the page, which tells whether a next page exists.
func listPage[T any](ctx context.Context, s *Service, query, what string, page Page,
	scan func(pgx.Row) (T, error), id func(T) string) ([]T, string, error) {
	rows, err := s.pool.Query(ctx, query, page.Cursor, page.limit()+1)
	if err != nil {
		return nil, "", fmt.Errorf("registry: list %s: %w", what, err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, "", fmt.Errorf("registry: list %s: %w", what, err)
	}
	limit := page.limit()
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, id(items[limit-1]), nil
}
