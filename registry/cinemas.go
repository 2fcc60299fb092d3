package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
	"ecinema/validate"
)

const (
	upsertCinema = `INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, exhibitor_id = EXCLUDED.exhibitor_id,
  region = EXCLUDED.region, city = EXCLUDED.city, vat_payer = EXCLUDED.vat_payer, entry_seq = EXCLUDED.entry_seq`
	deleteHalls = `DELETE FROM halls WHERE cinema_id = $1`
	insertHalls = `INSERT INTO halls (cinema_id, id, name, seats)
SELECT $1, h.id, h.name, h.seats FROM unnest($2::text[], $3::text[], $4::int[]) AS h(id, name, seats)`
	selectCinema  = `SELECT id, version, name, exhibitor_id, region, city, vat_payer FROM cinemas WHERE id = $1`
	selectCinemas = `SELECT id, version, name, exhibitor_id, region, city, vat_payer FROM cinemas WHERE id > $1 ORDER BY id LIMIT $2`
	selectHalls   = `SELECT cinema_id, id, name, seats FROM halls WHERE cinema_id = ANY($1) ORDER BY cinema_id, id`
)

// PutCinema creates or replaces a cinema with its halls.
func (s *Service) PutCinema(ctx context.Context, actor, id string, c Cinema) (Cinema, error) {
	c, err := normaliseCinema(id, c)
	if err != nil {
		return Cinema{}, err
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, regionExists, c.Region).Scan(&ok); err != nil {
		return Cinema{}, fmt.Errorf("registry: check region: %w", err)
	}
	if !ok {
		v := validate.Errors{}
		v.Add("region", "unknown_region", "must be an ISO 3166-2:KZ code from GET /v1/regions, like KZ-75")
		return Cinema{}, &v
	}
	if err := s.checkParties(ctx, []partyRef{{"exhibitor_id", c.ExhibitorID, KindExhibitor}}); err != nil {
		return Cinema{}, err
	}
	parties := [2]string{c.ExhibitorID}
	// effective_from is recorded only with a change of exhibitor (checked
	// again under the head lock).
	if cur, found, err := cinemaOwnership.current(ctx, s.pool, id); err != nil {
		return Cinema{}, err
	} else if !found || cur.parties == parties {
		c.EffectiveFrom = ""
	}
	c.Version, err = s.appendVersion(ctx, actor, "cinema", c.body(), ledger.Record{CinemaID: id},
		func(ctx context.Context, tx pgx.Tx) error {
			if err := s.checkChange(ctx, tx, cinemaOwnership, id, parties, c.EffectiveFrom); err != nil {
				return err
			}
			return checkHallsUnused(ctx, tx, c)
		})
	return c, err
}

// Cinema returns the current version of a cinema with its halls.
func (s *Service) Cinema(ctx context.Context, id string) (Cinema, error) {
	c, err := scanCinema(s.pool.QueryRow(ctx, selectCinema, id))
	if err != nil {
		return Cinema{}, notFound(err, "cinema", id)
	}
	cs := []Cinema{c}
	if err := s.loadHalls(ctx, cs); err != nil {
		return Cinema{}, err
	}
	return cs[0], nil
}

// Cinemas returns a page of cinemas ordered by id.
func (s *Service) Cinemas(ctx context.Context, page Page) ([]Cinema, string, error) {
	cs, next, err := listPage(ctx, s, selectCinemas, "cinemas", page, scanCinema, func(c Cinema) string { return c.ID })
	if err != nil {
		return nil, "", err
	}
	return cs, next, s.loadHalls(ctx, cs)
}

func scanCinema(r pgx.Row) (Cinema, error) {
	var c Cinema
	var vat bool
	err := r.Scan(&c.ID, &c.Version, &c.Name, &c.ExhibitorID, &c.Region, &c.City, &vat)
	c.VATPayer = &vat
	return c, err
}

func (s *Service) loadHalls(ctx context.Context, cs []Cinema) error {
	idx := map[string]int{}
	ids := make([]string, len(cs))
	for i, c := range cs {
		idx[c.ID], ids[i] = i, c.ID
		cs[i].Halls = []Hall{}
	}
	rows, err := s.pool.Query(ctx, selectHalls, ids)
	if err != nil {
		return fmt.Errorf("registry: halls: %w", err)
	}
	var cinema string
	var h Hall
	_, err = pgx.ForEachRow(rows, []any{&cinema, &h.ID, &h.Name, &h.Seats}, func() error {
		cs[idx[cinema]].Halls = append(cs[idx[cinema]].Halls, h)
		return nil
	})
	if err != nil {
		return fmt.Errorf("registry: halls: %w", err)
	}
	return nil
}

const selectRemovedHallInUse = `SELECT hall_id FROM screenings WHERE cinema_id = $1 AND NOT (hall_id = ANY($2)) LIMIT 1`

// checkHallsUnused refuses to drop a hall that has screenings: their sales
// and capacity refer to it.
func checkHallsUnused(ctx context.Context, tx pgx.Tx, c Cinema) error {
	ids := make([]string, len(c.Halls))
	for i, h := range c.Halls {
		ids[i] = h.ID
	}
	var hall string
	err := tx.QueryRow(ctx, selectRemovedHallInUse, c.ID, ids).Scan(&hall)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("registry: check halls: %w", err)
	}
	return fmt.Errorf("%w: hall %q of cinema %q has screenings and must stay", ErrHallInUse, hall, c.ID)
}
