package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

const (
	nextVersion   = `SELECT COALESCE(max(version), 0) + 1 FROM registry_versions WHERE kind = $1 AND id = $2`
	insertVersion = `INSERT INTO registry_versions (kind, id, version, entry_seq, body, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`
)

// project writes the projection rows of one registry entry from its body
// and returns the version it recorded. The live write and the rebuild of
// verify --deep both run it, so the two cannot drift apart.
func project(ctx context.Context, tx pgx.Tx, kind string, body json.RawMessage, e ledger.Entry) (int, error) {
	var id string
	var write func(version int) error
	switch kind {
	case "party":
		var b partyBody
		if err := json.Unmarshal(body, &b); err != nil {
			return 0, fmt.Errorf("registry: party body: %w", err)
		}
		p := b.party()
		id = p.ID
		write = func(v int) error {
			_, err := tx.Exec(ctx, upsertParty, p.ID, v, p.Kind, p.Name, p.BIN, e.Seq)
			return err
		}
	case "cinema":
		var b cinemaBody
		if err := json.Unmarshal(body, &b); err != nil {
			return 0, fmt.Errorf("registry: cinema body: %w", err)
		}
		c := b.cinema()
		if c.VATPayer == nil {
			return 0, errors.New("registry: cinema body: no vat_payer")
		}
		id = c.ID
		write = func(v int) error {
			if err := writeCinema(ctx, tx, c, v, e.Seq); err != nil {
				return err
			}
			return cinemaOwnership.project(ctx, tx, c.ID, [2]string{c.ExhibitorID}, c.EffectiveFrom, e.Seq)
		}
	case "film":
		var b filmBody
		if err := json.Unmarshal(body, &b); err != nil {
			return 0, fmt.Errorf("registry: film body: %w", err)
		}
		f := b.film()
		id = f.ID
		write = func(v int) error {
			if err := writeFilm(ctx, tx, f, v, e.Seq); err != nil {
				return err
			}
			return filmOwnership.project(ctx, tx, f.ID, [2]string{f.ProducerID, f.DistributorID}, f.EffectiveFrom, e.Seq)
		}
	case "rental_terms":
		var b rentalTermsBody
		if err := json.Unmarshal(body, &b); err != nil {
			return 0, fmt.Errorf("registry: rental terms body: %w", err)
		}
		t := b.rentalTerms()
		id = t.FilmID + "/" + t.ExhibitorID + "/" + t.EffectiveFrom
		write = func(v int) error { return writeRentalTerms(ctx, tx, t, v, e.Seq) }
	default:
		return 0, fmt.Errorf("registry: %q is not a registry kind", kind)
	}
	var version int
	if err := tx.QueryRow(ctx, nextVersion, kind, id).Scan(&version); err != nil {
		return 0, fmt.Errorf("registry: next version: %w", err)
	}
	if _, err := tx.Exec(ctx, insertVersion, kind, id, version, e.Seq, []byte(body), e.At); err != nil {
		return 0, fmt.Errorf("registry: record version: %w", err)
	}
	if err := write(version); err != nil {
		return 0, fmt.Errorf("registry: project %s %s: %w", kind, id, err)
	}
	return version, nil
}

func writeCinema(ctx context.Context, tx pgx.Tx, c Cinema, version int, seq int64) error {
	ids, names, seats := make([]string, len(c.Halls)), make([]string, len(c.Halls)), make([]int32, len(c.Halls))
	for i, h := range c.Halls {
		ids[i], names[i], seats[i] = h.ID, h.Name, int32(h.Seats)
	}
	if _, err := tx.Exec(ctx, upsertCinema, c.ID, version, c.Name, c.ExhibitorID, c.Region, c.City, *c.VATPayer, seq); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, deleteHalls, c.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, insertHalls, c.ID, ids, names, seats)
	return err
}

func writeFilm(ctx context.Context, tx pgx.Tx, f Film, version int, seq int64) error {
	n := len(f.RightsHolders)
	rhParty, rhRole, rhShare := make([]string, n), make([]string, n), make([]string, n)
	for i, r := range f.RightsHolders {
		rhParty[i], rhRole[i], rhShare[i] = r.PartyID, r.Role, r.SharePct
	}
	weeks, pcts := scaleColumns(f.RentalTerms)
	release, _ := time.Parse(time.DateOnly, f.ReleaseDate)
	from, _ := time.Parse(time.DateOnly, f.Certificate.ValidFrom)
	to, _ := time.Parse(time.DateOnly, f.Certificate.ValidTo)
	if _, err := tx.Exec(ctx, upsertFilm, f.ID, version, f.Title.KK, f.Title.RU, f.Title.EN, f.Origin, f.Countries,
		release, f.RuntimeMin, f.AgeRating, f.Certificate.Number, from, to, f.ProducerID, f.DistributorID,
		f.DistributionFeePct, f.RecoupableExpenses, f.RoyaltyPct, seq); err != nil {
		return err
	}
	for _, q := range []string{deleteRightsHolders, deleteFilmTerms} {
		if _, err := tx.Exec(ctx, q, f.ID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, insertRightsHolders, f.ID, rhParty, rhRole, rhShare); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, insertFilmTerms, f.ID, weeks, pcts)
	return err
}

func writeRentalTerms(ctx context.Context, tx pgx.Tx, t RentalTerms, version int, seq int64) error {
	from, _ := time.Parse(time.DateOnly, t.EffectiveFrom)
	weeks, pcts := scaleColumns(t.Scale)
	if _, err := tx.Exec(ctx, deleteOverride, t.FilmID, t.ExhibitorID, from); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, insertOverride, t.FilmID, t.ExhibitorID, from, weeks, pcts, version, seq)
	return err
}
