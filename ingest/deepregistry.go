package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/kztime"
	"ecinema/ledger"
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
// refused: reported as a mismatch of screenings at that entry. Without the
// registry's check in the same verification (its shadows absent when the
// ingest check begins; verify --deep begins the registry's first) the
// check is skipped: the stored films and halls are today's, not those at
// each entry. The buffer projected last, after the registry's check has
// compared and dropped its shadows, reads the stored films and halls:
// the registry's comparison found them equal to the rebuilt ones, which
// no entry of that buffer follows.

// sqlDeepRegistryShadows tells whether the registry's shadows of films and
// halls are there.
const sqlDeepRegistryShadows = `SELECT to_regclass('pg_temp.films') IS NOT NULL AND to_regclass('pg_temp.halls') IS NOT NULL`

// sqlDeepScreeningRegistry reads, for a run's screening entries (u.i their
// 1-based index), the film and hall each names, as the registry then held
// them, for those that may break a rule (decided in Go, registryRule): the
// film or hall missing, another runtime or seats, a day outside the
// certificate, or a 21+ film.
const sqlDeepScreeningRegistry = `SELECT u.i, f.id IS NOT NULL, f.runtime_min, f.age_rating, f.certificate_number,
  f.certificate_valid_from, f.certificate_valid_to, h.seats
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::date[]) WITH ORDINALITY
  AS u(cinema_id, hall_id, film_id, seats, runtime, bod, i)
LEFT JOIN films f ON f.id = u.film_id
LEFT JOIN halls h ON h.cinema_id = u.cinema_id AND h.id = u.hall_id
WHERE f.id IS NULL OR h.seats IS NULL OR h.seats <> u.seats OR f.runtime_min <> u.runtime
  OR u.bod < f.certificate_valid_from OR u.bod > f.certificate_valid_to OR f.age_rating = '21+'
ORDER BY u.i`

// deepRegistry checks the screening entries against the registry's
// shadows; found is the first entry that breaks a rule, set by the batch's
// reader (another goroutine, ledger.SendBatchLater).
type deepRegistry struct {
	on    bool // the shadows were there when the check began
	mu    sync.Mutex
	found *ledger.ProjectionMismatch
}

// newDeepRegistry looks for the registry's shadows.
func newDeepRegistry(ctx context.Context, tx pgx.Tx) (*deepRegistry, error) {
	d := &deepRegistry{}
	if err := tx.QueryRow(ctx, sqlDeepRegistryShadows).Scan(&d.on); err != nil {
		return nil, fmt.Errorf("ingest: deep check: the registry's shadows: %w", err)
	}
	return d, nil
}

// queue queues the check of a run's screening versions vs into b.
func (d *deepRegistry) queue(b *pgx.Batch, vs []scrVersion) {
	if len(vs) == 0 || !d.on {
		return
	}
	cinema, hall, film := make([]string, len(vs)), make([]string, len(vs)), make([]string, len(vs))
	seats, runtime, bod := make([]int32, len(vs)), make([]int32, len(vs)), make([]time.Time, len(vs))
	for i, v := range vs {
		cinema[i], hall[i], film[i], seats[i], runtime[i], bod[i] = v.cinema, v.hall, v.film, v.seats, v.runtime, v.bod
	}
	b.Queue(sqlDeepScreeningRegistry, cinema, hall, film, seats, runtime, bod).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var i int64
			var known bool
			var f filmRow
			var runtimeMin, hallSeats *int32
			var rating, cert *string
			var from, to *time.Time
			if err := rows.Scan(&i, &known, &runtimeMin, &rating, &cert, &from, &to, &hallSeats); err != nil {
				return err
			}
			var fp *filmRow
			if known {
				f = filmRow{runtime: int(*runtimeMin), ageRating: *rating, certNumber: *cert, certFrom: *from, certTo: *to}
				fp = &f
			}
			if detail := registryRule(&vs[i-1], fp, hallSeats); detail != "" {
				d.note(vs[i-1].seq, detail)
				break
			}
		}
		return rows.Err()
	})
}

func (d *deepRegistry) note(seq int64, detail string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.found == nil || seq < d.found.Seq {
		d.found = &ledger.ProjectionMismatch{Table: "screenings", Seq: seq, Detail: detail}
	}
}

// first returns the first entry found to break a rule, or nil.
func (d *deepRegistry) first() *ledger.ProjectionMismatch {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.found
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
