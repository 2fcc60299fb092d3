package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/kztime"
	"ecinema/ledger"
)

const (
	// The reads of a run of screenings, one round trip: the films, the
	// halls and the stored versions named (a primary-key probe each), and
	// for each request the screenings of its hall whose [starts_at,
	// ends_at) meets [starts, starts + the film's runtime) (the hall's
	// index, bounded below by starts - maxRuntime: no screening lasts
	// longer). The run's own earlier records are applied in Go.
	sqlFilmsForScreenings = `SELECT id, runtime_min, age_rating, certificate_number, certificate_valid_from, certificate_valid_to
FROM films WHERE id = ANY($1::text[])`

	sqlHallsSeats = `SELECT u.cinema_id, u.id, h.seats
FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
CROSS JOIN LATERAL (SELECT seats FROM halls h WHERE h.cinema_id = u.cinema_id AND h.id = u.id) h`

	sqlScreeningsPrev = `SELECT u.cinema_id, u.id, s.version, s.tickets_sold
FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
CROSS JOIN LATERAL (SELECT version, tickets_sold FROM screenings s WHERE s.cinema_id = u.cinema_id AND s.id = u.id) s`

	sqlScreeningsOverlapping = `SELECT u.i, s.id, s.starts_at, s.ends_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[]) WITH ORDINALITY
  AS u(cinema_id, hall_id, id, starts, film_id, after, i)
JOIN films f ON f.id = u.film_id
CROSS JOIN LATERAL (SELECT s.id, s.starts_at, s.ends_at FROM screenings s
  WHERE s.cinema_id = u.cinema_id AND s.hall_id = u.hall_id AND s.id <> u.id AND s.starts_at > u.after
    AND s.starts_at < u.starts + f.runtime_min * interval '1 minute' AND s.ends_at > u.starts) s`

	// sqlScreeningsDailyLeaveMany takes the stored versions that a run of
	// screening entries replaces off screenings_daily (counted per row, as
	// several may share one), before the upsert overwrites them.
	sqlScreeningsDailyLeaveMany = `UPDATE screenings_daily d SET screenings = d.screenings - x.n
FROM (SELECT s.cinema_id, s.film_id, s.box_office_day, count(*)::int AS n
      FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
      JOIN screenings s ON s.cinema_id = u.cinema_id AND s.id = u.id
      GROUP BY 1, 2, 3) x
WHERE d.cinema_id = x.cinema_id AND d.film_id = x.film_id AND d.box_office_day = x.box_office_day`

	sqlScreeningsUpsertMany = `INSERT INTO screenings AS s (cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day,
  format, language, entry_seq, seats, version)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::date[],
  $8::text[], $9::text[], $10::bigint[], $11::int[], $12::int[])
ON CONFLICT (cinema_id, id) DO UPDATE SET hall_id = EXCLUDED.hall_id, film_id = EXCLUDED.film_id,
  starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, box_office_day = EXCLUDED.box_office_day,
  format = EXCLUDED.format, language = EXCLUDED.language, entry_seq = EXCLUDED.entry_seq,
  seats = EXCLUDED.seats, version = EXCLUDED.version`

	// screenings_daily changes by signed deltas: the rows there are updated,
	// the others inserted (a CHECK would refuse a negative proposed row of
	// an upsert even when it conflicts).
	sqlScreeningsDailyUpdateMany = `UPDATE screenings_daily d SET screenings = d.screenings + u.n
FROM unnest($1::text[], $2::text[], $3::date[], $4::int[]) AS u(cinema_id, film_id, box_office_day, n)
WHERE d.cinema_id = u.cinema_id AND d.film_id = u.film_id AND d.box_office_day = u.box_office_day`

	sqlScreeningsDailyInsertMany = `INSERT INTO screenings_daily (cinema_id, film_id, box_office_day, screenings)
SELECT u.cinema_id, u.film_id, u.box_office_day, u.n
FROM unnest($1::text[], $2::text[], $3::date[], $4::int[]) AS u(cinema_id, film_id, box_office_day, n)
WHERE NOT EXISTS (SELECT 1 FROM screenings_daily d
  WHERE d.cinema_id = u.cinema_id AND d.film_id = u.film_id AND d.box_office_day = u.box_office_day)`
)

// maxRuntime bounds how long any screening lasts, for the overlap search.
const maxRuntime = 48 * time.Hour

// screeningBody is the "body" of a screening entry.
type screeningBody struct {
	CinemaID     string `json:"cinema_id"`
	ID           string `json:"id"`
	Version      int    `json:"version"`
	HallID       string `json:"hall_id"`
	FilmID       string `json:"film_id"`
	StartsAt     string `json:"starts_at"`
	EndsAt       string `json:"ends_at"`
	BoxOfficeDay string `json:"box_office_day"`
	Format       string `json:"format"`
	Language     string `json:"language"`
	RuntimeMin   int    `json:"runtime_min"`
	Seats        int    `json:"seats"`
}

// ScreeningView is a screening as the API shows it.
type ScreeningView struct {
	ID           string `json:"id"`
	Version      int    `json:"version"`
	HallID       string `json:"hall_id"`
	FilmID       string `json:"film_id"`
	StartsAt     string `json:"starts_at"`
	EndsAt       string `json:"ends_at"`
	BoxOfficeDay string `json:"box_office_day"`
	Format       string `json:"format"`
	Language     string `json:"language"`
	Seats        int    `json:"seats"`
}

// ScreeningResult is what a recorded screening returns (PUT
// /v1/screenings/{id} answers 201 when Created, else 200).
type ScreeningResult struct {
	Entry     EntryRef      `json:"entry"`
	Screening ScreeningView `json:"screening"`
	Created   bool          `json:"-"`
}

type screeningReq struct {
	c      Caller
	in     *Screening
	result *ScreeningResult
}

// PutScreening creates or replaces a validated screening of the caller's
// cinema.
func (s *Service) PutScreening(ctx context.Context, c Caller, in *Screening) (*ScreeningResult, error) {
	req := &screeningReq{c: c, in: in}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: "screening", Actor: c.KeyID, FilmID: in.FilmID, Batch: screeningsRun, Request: req}); err != nil {
		return nil, asRuleError(err)
	}
	return req.result, nil
}

type screeningsBatcher struct{}

type filmRow struct {
	runtime          int
	ageRating        string
	certNumber       string
	certFrom, certTo time.Time
}

type prevScreening struct {
	version int
	sold    int
}

// screeningSlot is a screening of a hall as the overlap rule sees it.
type screeningSlot struct {
	id           string
	starts, ends time.Time
}

// overlaps tells whether slot x meets [starts, ends) as
// sqlScreeningsOverlapping asks it (x is not the request's own screening).
func (x screeningSlot) overlaps(starts, ends time.Time) bool {
	return x.starts.After(starts.Add(-maxRuntime)) && x.starts.Before(ends) && x.ends.After(starts)
}

// runScreening is the latest version of a screening accepted earlier in
// the run being decided.
type runScreening struct {
	hall    string
	slot    screeningSlot
	version int
}

// screeningsState is what a run of screenings is decided against: the
// stored state read under the head lock and the run's accepted records.
type screeningsState struct {
	films    map[string]*filmRow
	seats    map[cinemaKey]int
	prev     map[cinemaKey]*prevScreening
	stored   [][]screeningSlot           // per request: stored screenings of its hall meeting it
	run      map[cinemaKey]*runScreening // cinema, screening id
	runHalls map[cinemaKey][]string      // cinema, hall: screening ids the run placed there
}

// Prepare decides the whole run in one round trip of reads: each request
// sees the stored state plus the screenings accepted before it in the run
// (their new hall and times replace the stored ones), so the hall-overlap
// rule, versions and every answer are those of the records decided one at
// a time.
func (sb *screeningsBatcher) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, reqs []any) ([]ledger.Prepared, error) {
	st := &screeningsState{films: map[string]*filmRow{}, seats: map[cinemaKey]int{}, prev: map[cinemaKey]*prevScreening{},
		stored: make([][]screeningSlot, len(reqs)), run: map[cinemaKey]*runScreening{}, runHalls: map[cinemaKey][]string{}}
	var films []string
	var hallKeys, idKeys []cinemaKey
	seenFilm, seenHall, seenID := map[string]bool{}, map[cinemaKey]bool{}, map[cinemaKey]bool{}
	var o struct {
		cinema, hall, id, film []string
		starts, after          []time.Time
	}
	for _, q := range reqs {
		r := q.(*screeningReq)
		c, in := r.c, r.in
		if !seenFilm[in.FilmID] {
			seenFilm[in.FilmID] = true
			films = append(films, in.FilmID)
		}
		if k := (cinemaKey{c.CinemaID, in.HallID}); !seenHall[k] {
			seenHall[k] = true
			hallKeys = append(hallKeys, k)
		}
		if k := (cinemaKey{c.CinemaID, in.ID}); !seenID[k] {
			seenID[k] = true
			idKeys = append(idKeys, k)
		}
		o.cinema = append(o.cinema, c.CinemaID)
		o.hall = append(o.hall, in.HallID)
		o.id = append(o.id, in.ID)
		o.film = append(o.film, in.FilmID)
		o.starts = append(o.starts, in.StartsAt)
		o.after = append(o.after, in.StartsAt.Add(-maxRuntime))
	}
	b.Queue(sqlFilmsForScreenings, films).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			var fr filmRow
			if err := rows.Scan(&id, &fr.runtime, &fr.ageRating, &fr.certNumber, &fr.certFrom, &fr.certTo); err != nil {
				return err
			}
			st.films[id] = &fr
		}
		return rows.Err()
	})
	hc, hh := splitKeys(hallKeys)
	b.Queue(sqlHallsSeats, hc, hh).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k cinemaKey
			var seats int
			if err := rows.Scan(&k[0], &k[1], &seats); err != nil {
				return err
			}
			st.seats[k] = seats
		}
		return rows.Err()
	})
	pc, pi := splitKeys(idKeys)
	b.Queue(sqlScreeningsPrev, pc, pi).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k cinemaKey
			var ps prevScreening
			if err := rows.Scan(&k[0], &k[1], &ps.version, &ps.sold); err != nil {
				return err
			}
			st.prev[k] = &ps
		}
		return rows.Err()
	})
	b.Queue(sqlScreeningsOverlapping, o.cinema, o.hall, o.id, o.starts, o.film, o.after).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var i int64
			var x screeningSlot
			if err := rows.Scan(&i, &x.id, &x.starts, &x.ends); err != nil {
				return err
			}
			st.stored[i-1] = append(st.stored[i-1], x)
		}
		return rows.Err()
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("ingest: read screening state: %w", err)
	}
	out := make([]ledger.Prepared, len(reqs))
	for i, q := range reqs {
		out[i] = st.decide(i, q.(*screeningReq))
	}
	return out, nil
}

// decide applies the rules to request i of the run and, when it is
// accepted, records its effect for the requests after it.
func (st *screeningsState) decide(i int, r *screeningReq) ledger.Prepared {
	c, in := r.c, r.in
	reject := func(err error) ledger.Prepared { return ledger.Prepared{Err: err} }
	f := st.films[in.FilmID]
	if f == nil {
		return reject(newErr(ErrUnknownFilm, "film %q is not registered", in.FilmID))
	}
	seats := st.seats[cinemaKey{c.CinemaID, in.HallID}]
	if seats == 0 {
		return reject(newErr(ErrUnknownHall, "hall %q is not a hall of cinema %q", in.HallID, c.CinemaID))
	}
	ends := in.StartsAt.Add(time.Duration(f.runtime) * time.Minute)
	bod := kztime.BoxOfficeDay(in.StartsAt)
	if bod.Before(f.certFrom) || bod.After(f.certTo) {
		return reject(newErr(ErrCertificateNotValid, "film %q: certificate %s is valid %s to %s, not on the box-office day %s",
			in.FilmID, f.certNumber, f.certFrom.Format(dateLayout), f.certTo.Format(dateLayout), bod.Format(dateLayout)))
	}
	if f.ageRating == "21+" && !adultOnlyStartAllowed(in.StartsAt) {
		return reject(newErr(ErrAgeRestrictedTime, "film %q is rated 21+ and may start only between 22:00 and 06:00 local time, not at %s",
			in.FilmID, in.StartsAt.In(kztime.Location).Format("15:04")))
	}
	key := cinemaKey{c.CinemaID, in.ID}
	prev := st.prev[key] // a screening with sales is never replaced, so the run's versions have none
	if prev != nil && prev.sold > 0 {
		return reject(newErr(ErrScreeningHasSales, "screening %q has %d tickets sold and cannot be replaced; refund them with reason %q to cancel it",
			in.ID, prev.sold, reasonScreeningCancelled))
	}
	if x, ok := st.overlap(i, c.CinemaID, in, ends); ok {
		return reject(newErr(ErrScreeningOverlap, "screening %q in hall %q runs %s to %s and overlaps %s to %s",
			x.id, in.HallID, x.starts.In(kztime.Location).Format(time.RFC3339), x.ends.In(kztime.Location).Format(time.RFC3339),
			in.StartsAt.In(kztime.Location).Format(time.RFC3339), ends.In(kztime.Location).Format(time.RFC3339)))
	}
	version, created := 1, true
	if cur := st.run[key]; cur != nil {
		version, created = cur.version+1, false
	} else if prev != nil {
		version, created = prev.version+1, false
	}
	hk := cinemaKey{c.CinemaID, in.HallID}
	if cur := st.run[key]; cur == nil || cur.hall != in.HallID {
		st.runHalls[hk] = append(st.runHalls[hk], in.ID)
	}
	st.run[key] = &runScreening{hall: in.HallID, slot: screeningSlot{id: in.ID, starts: in.StartsAt, ends: ends}, version: version}

	view := ScreeningView{ID: in.ID, Version: version, HallID: in.HallID, FilmID: in.FilmID,
		StartsAt: fmtTime(in.StartsAt), EndsAt: fmtTime(ends), BoxOfficeDay: bod.Format(dateLayout),
		Format: in.Format, Language: in.Language, Seats: seats}
	body := screeningBody{CinemaID: c.CinemaID, ID: in.ID, Version: version, HallID: in.HallID, FilmID: in.FilmID,
		StartsAt: view.StartsAt, EndsAt: view.EndsAt, BoxOfficeDay: view.BoxOfficeDay, Format: in.Format,
		Language: in.Language, RuntimeMin: f.runtime, Seats: seats}
	return ledger.Prepared{Body: body, CinemaID: c.CinemaID, FilmID: in.FilmID,
		State: &ScreeningResult{Screening: view, Created: created}}
}

// overlap finds the screening of request i's hall, other than its own,
// that meets [in.StartsAt, ends) and starts first, as the hall stands
// after the run's earlier records: the stored ones not replaced in the
// run, and the run's latest versions.
func (st *screeningsState) overlap(i int, cinemaID string, in *Screening, ends time.Time) (screeningSlot, bool) {
	var best screeningSlot
	found := false
	take := func(x screeningSlot) {
		if !found || x.starts.Before(best.starts) {
			best, found = x, true
		}
	}
	for _, x := range st.stored[i] {
		if st.run[cinemaKey{cinemaID, x.id}] == nil { // else the run moved it: its new version is below
			take(x)
		}
	}
	for _, id := range st.runHalls[cinemaKey{cinemaID, in.HallID}] {
		cur := st.run[cinemaKey{cinemaID, id}]
		if id != in.ID && cur.hall == in.HallID && cur.slot.overlaps(in.StartsAt, ends) {
			take(cur.slot)
		}
	}
	return best, found
}

// Project writes the projections of the accepted screenings from their
// entry bodies (projectScreenings).
func (sb *screeningsBatcher) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	if err := projectScreenings(b, bodyEntries(acc), nil); err != nil {
		return err
	}
	for _, a := range acc {
		res := *a.State.(*ScreeningResult)
		res.Entry = entryRef(a.Entry)
		a.Request.(*screeningReq).result = &res
	}
	return nil
}

// projectScreenings queues the projection writes of screening entries from
// their bodies: the screenings (the last version of each, one upsert) and
// the screenings_daily counts (a replaced version leaves its day and film).
// The versions stored before the run are taken off screenings_daily by a
// statement that reads them server-side, before the upsert replaces them;
// versions replaced within the run are counted here. Live writes and
// verify --deep both call it; verify --deep also gets, by seen, every
// entry's version in seq order (its film, box-office day, seats, start and
// end).
func projectScreenings(b *pgx.Batch, es []bodyEntry, seen func(scrVersion) error) error {
	type cur struct {
		film string
		bod  time.Time
	}
	state := map[cinemaKey]*cur{} // versions written by this run
	last := map[cinemaKey]*screeningBody{}
	lastSeq := map[cinemaKey]int64{}
	var order []cinemaKey
	type dayKey struct {
		cinema, film string
		bod          time.Time
	}
	deltas := map[dayKey]int32{}
	var dayOrder []dayKey
	bump := func(k dayKey, d int32) {
		if _, ok := deltas[k]; !ok {
			dayOrder = append(dayOrder, k)
		}
		deltas[k] += d
	}
	bodies := make([]screeningBody, len(es))
	for i, e := range es {
		body := &bodies[i]
		if err := decodeBody(e.Body, body); err != nil {
			return fmt.Errorf("ingest: screening entry %d: %w", e.Seq, err)
		}
		bod, err := parseDate(body.BoxOfficeDay)
		if err != nil {
			return fmt.Errorf("ingest: screening entry %d: %w", e.Seq, err)
		}
		k := cinemaKey{body.CinemaID, body.ID}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		if c := state[k]; c != nil {
			bump(dayKey{body.CinemaID, c.film, c.bod}, -1)
		}
		bump(dayKey{body.CinemaID, body.FilmID, bod}, 1)
		state[k] = &cur{film: body.FilmID, bod: bod}
		last[k] = body
		lastSeq[k] = e.Seq
		if seen != nil {
			starts, err1 := parseBodyTime(body.StartsAt)
			ends, err2 := parseBodyTime(body.EndsAt)
			if err := errors.Join(err1, err2); err != nil {
				return fmt.Errorf("ingest: screening entry %d: %w", e.Seq, err)
			}
			if err := seen(scrVersion{cinema: body.CinemaID, id: body.ID, film: body.FilmID, hall: body.HallID, bod: bod, seq: e.Seq,
				seats: int32(body.Seats), version: int32(body.Version), runtime: int32(body.RuntimeMin),
				starts: pgMicros(starts), ends: pgMicros(ends)}); err != nil {
				return fmt.Errorf("ingest: screening entry %d: %w", e.Seq, err)
			}
		}
	}
	var a struct {
		cinema, id, hall, film, format, language []string
		starts, ends, bod                        []time.Time
		seq                                      []int64
		seats, version                           []int32
	}
	for _, k := range order {
		body := last[k]
		starts, err1 := time.Parse(time.RFC3339Nano, body.StartsAt)
		ends, err2 := time.Parse(time.RFC3339Nano, body.EndsAt)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("ingest: screening entry %d: %w", lastSeq[k], err)
		}
		a.cinema = append(a.cinema, body.CinemaID)
		a.id = append(a.id, body.ID)
		a.hall = append(a.hall, body.HallID)
		a.film = append(a.film, body.FilmID)
		a.format = append(a.format, body.Format)
		a.language = append(a.language, body.Language)
		a.starts = append(a.starts, starts)
		a.ends = append(a.ends, ends)
		a.bod = append(a.bod, state[k].bod)
		a.seq = append(a.seq, lastSeq[k])
		a.seats = append(a.seats, int32(body.Seats))
		a.version = append(a.version, int32(body.Version))
	}
	b.Queue(sqlScreeningsDailyLeaveMany, a.cinema, a.id)
	b.Queue(sqlScreeningsUpsertMany, a.cinema, a.id, a.hall, a.film, a.starts, a.ends, a.bod, a.format, a.language, a.seq, a.seats, a.version)
	dc, df := make([]string, len(dayOrder)), make([]string, len(dayOrder))
	dd, dn := make([]time.Time, len(dayOrder)), make([]int32, len(dayOrder))
	for i, k := range dayOrder {
		dc[i], df[i], dd[i], dn[i] = k.cinema, k.film, k.bod, deltas[k]
	}
	b.Queue(sqlScreeningsDailyUpdateMany, dc, df, dd, dn)
	b.Queue(sqlScreeningsDailyInsertMany, dc, df, dd, dn)
	return nil
}
