package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

const (
	sqlExhibitorGrants = `SELECT cinema_id, valid_from, valid_to FROM cinema_ownership WHERE exhibitor_id = $1 ORDER BY cinema_id, entry_seq`
	sqlFilmGrants      = `SELECT film_id, valid_from, valid_to FROM film_ownership
WHERE producer_id = $1 OR distributor_id = $1 ORDER BY film_id, entry_seq`
)

// CinemaGrants resolves an exhibitor's ledger read scope: the cinemas it
// operates, with the business days it operated them.
func (s *Service) CinemaGrants(ctx context.Context, exhibitorID string) ([]ledger.Grant, error) {
	return s.grants(ctx, sqlExhibitorGrants, exhibitorID)
}

// FilmGrants resolves a producer's or distributor's ledger read scope: the
// films it produces or distributes, with the business days it did.
func (s *Service) FilmGrants(ctx context.Context, partyID string) ([]ledger.Grant, error) {
	return s.grants(ctx, sqlFilmGrants, partyID)
}

func (s *Service) grants(ctx context.Context, query, partyID string) ([]ledger.Grant, error) {
	rows, err := s.pool.Query(ctx, query, partyID)
	if err != nil {
		return nil, fmt.Errorf("registry: read scope: %w", err)
	}
	gs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ledger.Grant, error) {
		var g ledger.Grant
		var from, to *time.Time
		err := r.Scan(&g.ID, &from, &to)
		if from != nil {
			g.From = *from
		}
		if to != nil {
			g.To = *to
		}
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: read scope: %w", err)
	}
	return gs, nil
}
