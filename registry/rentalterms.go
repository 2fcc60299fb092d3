package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

const (
	filmExists     = `SELECT EXISTS (SELECT 1 FROM films WHERE id = $1)`
	deleteOverride = `DELETE FROM rental_term_overrides WHERE film_id = $1 AND exhibitor_id = $2 AND effective_from = $3`
	insertOverride = `INSERT INTO rental_term_overrides (film_id, exhibitor_id, effective_from, from_week, distributor_pct, version, entry_seq)
SELECT $1, $2, $3, t.from_week, t.pct, $6, $7 FROM unnest($4::int[], $5::numeric[]) AS t(from_week, pct)`
	selectOverrides = `SELECT effective_from, version, from_week, distributor_pct FROM rental_term_overrides
WHERE film_id = $1 AND exhibitor_id = $2 ORDER BY effective_from, from_week`
)

// PutRentalTerms records an exhibitor's rental scale for a film from a
// date. Several overrides with different effective_from dates coexist (the
// one in force on a box-office day applies); a PUT with the same
// effective_from replaces that override as a new version.
func (s *Service) PutRentalTerms(ctx context.Context, actor, filmID, exhibitorID string, t RentalTerms) (RentalTerms, error) {
	t, err := normaliseRentalTerms(filmID, exhibitorID, t)
	if err != nil {
		return RentalTerms{}, err
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, filmExists, filmID).Scan(&ok); err != nil {
		return RentalTerms{}, fmt.Errorf("registry: check film: %w", err)
	}
	if !ok {
		return RentalTerms{}, fmt.Errorf("%w: film %q", ErrNotFound, filmID)
	}
	if err := s.checkParties(ctx, []partyRef{{"exhibitor_id", exhibitorID, KindExhibitor}}); err != nil {
		return RentalTerms{}, err
	}
	t.Version, err = s.appendVersion(ctx, actor, "rental_terms", t.body(), ledger.Record{FilmID: filmID}, nil)
	return t, err
}

// RentalTerms returns every override of a film for an exhibitor, oldest
// effective_from first.
func (s *Service) RentalTerms(ctx context.Context, filmID, exhibitorID string) ([]RentalTerms, error) {
	rows, err := s.pool.Query(ctx, selectOverrides, filmID, exhibitorID)
	if err != nil {
		return nil, fmt.Errorf("registry: rental terms: %w", err)
	}
	var out []RentalTerms
	var from time.Time
	var version int
	var step RentalStep
	var pct decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&from, &version, &step.FromWeek, &pct}, func() error {
		d := from.Format(time.DateOnly)
		if len(out) == 0 || out[len(out)-1].EffectiveFrom != d {
			out = append(out, RentalTerms{FilmID: filmID, ExhibitorID: exhibitorID, EffectiveFrom: d, Version: version})
		}
		step.DistributorPct = pct.String()
		out[len(out)-1].Scale = append(out[len(out)-1].Scale, step)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("registry: rental terms: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: rental terms of film %q for exhibitor %q", ErrNotFound, filmID, exhibitorID)
	}
	return out, nil
}
