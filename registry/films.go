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
	upsertFilm = `INSERT INTO films (id, version, title_kk, title_ru, title_en, origin, countries, release_date,
  runtime_min, age_rating, certificate_number, certificate_valid_from, certificate_valid_to, producer_id,
  distributor_id, distribution_fee_pct, recoupable_expenses, royalty_pct, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, title_kk = EXCLUDED.title_kk, title_ru = EXCLUDED.title_ru,
  title_en = EXCLUDED.title_en, origin = EXCLUDED.origin, countries = EXCLUDED.countries,
  release_date = EXCLUDED.release_date, runtime_min = EXCLUDED.runtime_min, age_rating = EXCLUDED.age_rating,
  certificate_number = EXCLUDED.certificate_number, certificate_valid_from = EXCLUDED.certificate_valid_from,
  certificate_valid_to = EXCLUDED.certificate_valid_to, producer_id = EXCLUDED.producer_id,
  distributor_id = EXCLUDED.distributor_id, distribution_fee_pct = EXCLUDED.distribution_fee_pct,
  recoupable_expenses = EXCLUDED.recoupable_expenses, royalty_pct = EXCLUDED.royalty_pct, entry_seq = EXCLUDED.entry_seq`
	deleteRightsHolders = `DELETE FROM film_rights_holders WHERE film_id = $1`
	insertRightsHolders = `INSERT INTO film_rights_holders (film_id, party_id, role, share_pct)
SELECT $1, r.party_id, r.role, r.share_pct FROM unnest($2::text[], $3::text[], $4::numeric[]) AS r(party_id, role, share_pct)`
	deleteFilmTerms = `DELETE FROM film_rental_terms WHERE film_id = $1`
	insertFilmTerms = `INSERT INTO film_rental_terms (film_id, from_week, distributor_pct)
SELECT $1, t.from_week, t.pct FROM unnest($2::int[], $3::numeric[]) AS t(from_week, pct)`

	filmColumns = `id, version, title_kk, title_ru, title_en, origin, countries, release_date, runtime_min, age_rating,
  certificate_number, certificate_valid_from, certificate_valid_to, producer_id, distributor_id,
  distribution_fee_pct, recoupable_expenses, royalty_pct`
	selectFilm          = `SELECT ` + filmColumns + ` FROM films WHERE id = $1`
	selectFilms         = `SELECT ` + filmColumns + ` FROM films WHERE id > $1 ORDER BY id LIMIT $2`
	selectRightsHolders = `SELECT film_id, party_id, role, share_pct FROM film_rights_holders WHERE film_id = ANY($1) ORDER BY film_id, party_id, role`
	selectFilmTerms     = `SELECT film_id, from_week, distributor_pct FROM film_rental_terms WHERE film_id = ANY($1) ORDER BY film_id, from_week`
)

// PutFilm creates or replaces a film.
func (s *Service) PutFilm(ctx context.Context, actor, id string, f Film) (Film, error) {
	f, err := normaliseFilm(id, f)
	if err != nil {
		return Film{}, err
	}
	refs := []partyRef{{"producer_id", f.ProducerID, KindProducer}, {"distributor_id", f.DistributorID, KindDistributor}}
	for i, r := range f.RightsHolders {
		refs = append(refs, partyRef{fmt.Sprintf("rights_holders[%d].party_id", i), r.PartyID, ""})
	}
	if err := s.checkParties(ctx, refs); err != nil {
		return Film{}, err
	}
	parties := [2]string{f.ProducerID, f.DistributorID}
	// effective_from is recorded only with a change of producer or
	// distributor (checked again under the head lock).
	if cur, found, err := filmOwnership.current(ctx, s.pool, id); err != nil {
		return Film{}, err
	} else if !found || cur.parties == parties {
		f.EffectiveFrom = ""
	}
	f.Version, err = s.appendVersion(ctx, actor, "film", f.body(), ledger.Record{FilmID: id},
		func(ctx context.Context, tx pgx.Tx) error {
			return s.checkChange(ctx, tx, filmOwnership, id, parties, f.EffectiveFrom)
		})
	return f, err
}

func scaleColumns(scale []RentalStep) ([]int32, []string) {
	weeks, pcts := make([]int32, len(scale)), make([]string, len(scale))
	for i, s := range scale {
		weeks[i], pcts[i] = int32(s.FromWeek), s.DistributorPct
	}
	return weeks, pcts
}

// Film returns the current version of a film.
func (s *Service) Film(ctx context.Context, id string) (Film, error) {
	f, err := scanFilm(s.pool.QueryRow(ctx, selectFilm, id))
	if err != nil {
		return Film{}, notFound(err, "film", id)
	}
	fs := []Film{f}
	if err := s.loadFilmParts(ctx, fs); err != nil {
		return Film{}, err
	}
	return fs[0], nil
}

// Films returns a page of films ordered by id.
func (s *Service) Films(ctx context.Context, page Page) ([]Film, string, error) {
	fs, next, err := listPage(ctx, s, selectFilms, "films", page, scanFilm, func(f Film) string { return f.ID })
	if err != nil {
		return nil, "", err
	}
	return fs, next, s.loadFilmParts(ctx, fs)
}

func scanFilm(r pgx.Row) (Film, error) {
	var f Film
	var release, from, to time.Time
	var fee, expenses, royalty decimal.Decimal
	err := r.Scan(&f.ID, &f.Version, &f.Title.KK, &f.Title.RU, &f.Title.EN, &f.Origin, &f.Countries, &release,
		&f.RuntimeMin, &f.AgeRating, &f.Certificate.Number, &from, &to, &f.ProducerID, &f.DistributorID,
		&fee, &expenses, &royalty)
	f.ReleaseDate, f.Certificate.ValidFrom, f.Certificate.ValidTo = release.Format(time.DateOnly), from.Format(time.DateOnly), to.Format(time.DateOnly)
	f.DistributionFeePct, f.RecoupableExpenses, f.RoyaltyPct = fee.String(), expenses.StringFixed(2), royalty.String()
	return f, err
}

func (s *Service) loadFilmParts(ctx context.Context, fs []Film) error {
	idx := map[string]int{}
	ids := make([]string, len(fs))
	for i, f := range fs {
		idx[f.ID], ids[i] = i, f.ID
		fs[i].RightsHolders, fs[i].RentalTerms = []RightsShare{}, []RentalStep{}
	}
	rows, err := s.pool.Query(ctx, selectRightsHolders, ids)
	if err != nil {
		return fmt.Errorf("registry: rights holders: %w", err)
	}
	var film string
	var rs RightsShare
	var pct decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&film, &rs.PartyID, &rs.Role, &pct}, func() error {
		rs.SharePct = pct.String()
		fs[idx[film]].RightsHolders = append(fs[idx[film]].RightsHolders, rs)
		return nil
	}); err != nil {
		return fmt.Errorf("registry: rights holders: %w", err)
	}
	rows, err = s.pool.Query(ctx, selectFilmTerms, ids)
	if err != nil {
		return fmt.Errorf("registry: rental terms: %w", err)
	}
	var step RentalStep
	if _, err := pgx.ForEachRow(rows, []any{&film, &step.FromWeek, &pct}, func() error {
		step.DistributorPct = pct.String()
		fs[idx[film]].RentalTerms = append(fs[idx[film]].RentalTerms, step)
		return nil
	}); err != nil {
		return fmt.Errorf("registry: rental terms: %w", err)
	}
	return nil
}
