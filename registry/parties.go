package registry

import (
	"context"
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
	p.Version, err = s.appendVersion(ctx, actor, "party", p, ledger.Record{}, nil)
	return p, err
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
