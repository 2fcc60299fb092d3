package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/kztime"
)

// The rules of a screening entry that the live write decides from the
// registry's rows (decide: the film is registered, its certificate covers
// the box-office day, a 21+ film starts only at night, the hall is the
// cinema's) and the facts it copies from them (the film's runtime, which
// makes the end, and the hall's seats, the limit of the sales) are checked
// by verify --deep against the registry as it stood at the entry: the
// registry's deep check rebuilds films and halls into temporary tables
// that shadow the stored ones, entry by entry, and the ingest check's
// buffer is projected before every entry of another kind (FlushBefore), so
// when a buffer is projected the shadows hold what the live write read. A
// film or hall row changed for one registration and put back leaves every
// table equal to its replay, but a screening entry the registry then
// refused: reported as a mismatch of screenings at that entry.
//
// The films and halls (a few hundred rows) are read into memory when a
// buffer with screening entries is projected after a film or cinema entry
// (FlushBefore marks them stale), and each screening entry is decided in
// Go: a statement joining a buffer's screenings with them took PostgreSQL
// tens of milliseconds a buffer (the shadows have no statistics).
//
// Without the registry's check in the same verification (its shadows
// absent when the ingest check begins; verify --deep begins the
// registry's first) the check is skipped: the stored films and halls are
// today's, not those at each entry. A buffer projected after the
// registry's check has compared and dropped its shadows reads the stored
// films and halls: the registry's comparison found them equal to the
// rebuilt ones, and no entry of the buffer follows a registry entry.

// sqlDeepRegistryShadows tells whether the registry's shadows of films and
// halls are there.
const sqlDeepRegistryShadows = `SELECT to_regclass('pg_temp.films') IS NOT NULL AND to_regclass('pg_temp.halls') IS NOT NULL`

// The films and halls as the registry holds them (its shadows during the
// verification).
const (
	sqlDeepRegistryFilms = `SELECT id, runtime_min, age_rating, certificate_number, certificate_valid_from, certificate_valid_to FROM films`
	sqlDeepRegistryHalls = `SELECT cinema_id, id, seats FROM halls`
)

// deepRegistry decides the screening entries' rules of the registry.
type deepRegistry struct {
	on    bool // the shadows were there when the check began
	stale bool // films and halls are to be read again
	films map[string]*filmRow
	seats map[cinemaKey]int32
}

// newDeepRegistry looks for the registry's shadows.
func newDeepRegistry(ctx context.Context, tx pgx.Tx) (*deepRegistry, error) {
	d := &deepRegistry{stale: true}
	if err := tx.QueryRow(ctx, sqlDeepRegistryShadows).Scan(&d.on); err != nil {
		return nil, fmt.Errorf("ingest: deep check: the registry's shadows: %w", err)
	}
	return d, nil
}

// kind notes an entry of another kind than the ingest check's: a film or
// cinema entry changes films or halls.
func (d *deepRegistry) kind(kind string) {
	if kind == "film" || kind == "cinema" {
		d.stale = true
	}
}

// check decides a run's screening versions vs and notes the first that
// breaks a rule with broke.
func (d *deepRegistry) check(ctx context.Context, tx pgx.Tx, vs []scrVersion, broke func(seq int64, detail string)) error {
	if len(vs) == 0 || !d.on {
		return nil
	}
	if d.stale {
		if err := d.read(ctx, tx); err != nil {
			return fmt.Errorf("ingest: deep check: the registry's films and halls: %w", err)
		}
		d.stale = false
	}
	for i := range vs {
		v := &vs[i]
		var seats *int32
		if n, ok := d.seats[cinemaKey{v.cinema, v.hall}]; ok {
			seats = &n
		}
		if detail := registryRule(v, d.films[v.film], seats); detail != "" {
			broke(v.seq, detail)
			return nil
		}
	}
	return nil
}

// read reads the films and halls.
func (d *deepRegistry) read(ctx context.Context, tx pgx.Tx) error {
	d.films, d.seats = map[string]*filmRow{}, map[cinemaKey]int32{}
	rows, err := tx.Query(ctx, sqlDeepRegistryFilms)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var f filmRow
		if err := rows.Scan(&id, &f.runtime, &f.ageRating, &f.certNumber, &f.certFrom, &f.certTo); err != nil {
			rows.Close()
			return err
		}
		d.films[id] = &f
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, sqlDeepRegistryHalls)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k cinemaKey
		var n int32
		if err := rows.Scan(&k[0], &k[1], &n); err != nil {
			rows.Close()
			return err
		}
		d.seats[k] = n
	}
	return rows.Err()
}

// registryRule is what screening entry v breaks of the rules the live
// write decides from film f (nil: not registered) and the seats of the
// hall (nil: not the cinema's), in the order decide applies them; "" when
// nothing.
func registryRule(v *scrVersion, f *filmRow, hallSeats *int32) string {
	at := fmt.Sprintf("screening entry %d registered screening %q of cinema %q", v.seq, v.id, v.cinema)
	starts := pgEpoch.Add(time.Duration(v.starts) * time.Microsecond)
	switch {
	case f == nil:
		return fmt.Sprintf("%s with film %q, which the registry did not hold then", at, v.film)
	case hallSeats == nil:
		return fmt.Sprintf("%s in hall %q, which the cinema did not have then", at, v.hall)
	case v.bod.Before(f.certFrom) || v.bod.After(f.certTo):
		return fmt.Sprintf("%s of film %q on box-office day %s, outside its certificate %s, then valid %s to %s", at, v.film,
			v.bod.Format(dateLayout), f.certNumber, f.certFrom.Format(dateLayout), f.certTo.Format(dateLayout))
	case f.ageRating == "21+" && !adultOnlyStartAllowed(starts):
		return fmt.Sprintf("%s of film %q, rated 21+, starting at %s local time", at, v.film, starts.In(kztime.Location).Format("15:04"))
	case int32(f.runtime) != v.runtime:
		return fmt.Sprintf("%s of film %q running %d minutes; the registry then held %d", at, v.film, v.runtime, f.runtime)
	case *hallSeats != v.seats:
		return fmt.Sprintf("%s in hall %q of %d seats; the registry then held %d", at, v.hall, v.seats, *hallSeats)
	}
	return ""
}
