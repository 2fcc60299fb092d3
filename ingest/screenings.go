package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

const (
	sqlFilmForScreening = `SELECT version, runtime_min, age_rating, certificate_number, certificate_valid_from, certificate_valid_to
FROM films WHERE id = $1`

	sqlFilmVersion = `SELECT version FROM films WHERE id = $1`

	sqlHallSeats = `SELECT seats FROM halls WHERE cinema_id = $1 AND id = $2`

	sqlScreeningPrev = `SELECT entry_seq, version, tickets_sold, film_id, box_office_day
FROM screenings WHERE cinema_id = $1 AND id = $2`

	// sqlScreeningOverlap finds a screening of the same hall whose
	// [starts_at, ends_at) meets [$4, $5). $6 bounds the index range scan:
	// no screening lasts longer than maxRuntime.
	sqlScreeningOverlap = `SELECT id, starts_at, ends_at FROM screenings
WHERE cinema_id = $1 AND hall_id = $2 AND id <> $3 AND starts_at > $6 AND starts_at < $5 AND ends_at > $4
ORDER BY starts_at LIMIT 1`

	sqlScreeningUpsert = `INSERT INTO screenings AS s (cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day,
  format, language, entry_seq, seats)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (cinema_id, id) DO UPDATE SET hall_id = EXCLUDED.hall_id, film_id = EXCLUDED.film_id,
  starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, box_office_day = EXCLUDED.box_office_day,
  format = EXCLUDED.format, language = EXCLUDED.language, entry_seq = EXCLUDED.entry_seq,
  seats = EXCLUDED.seats, version = s.version + 1`

	sqlScreeningsDailyAdd = `INSERT INTO screenings_daily AS d (cinema_id, film_id, box_office_day, screenings)
VALUES ($1, $2, $3, 1)
ON CONFLICT (cinema_id, film_id, box_office_day) DO UPDATE SET screenings = d.screenings + 1`

	sqlScreeningsDailySub = `UPDATE screenings_daily SET screenings = screenings - 1
WHERE cinema_id = $1 AND film_id = $2 AND box_office_day = $3`
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

// ScreeningResponse is the body of the answer to PUT /v1/screenings/{id}.
type ScreeningResponse struct {
	Entry     EntryRef      `json:"entry"`
	Screening ScreeningView `json:"screening"`
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

type filmRow struct {
	version          int
	runtime          int
	ageRating        string
	certNumber       string
	certFrom, certTo time.Time
}

type prevScreening struct {
	seq     int64
	version int
	sold    int
	filmID  string
	bod     time.Time
}

// PutScreening creates or replaces a screening of the caller's cinema (the
// raw JSON body; id from the URL). It answers 201 when created, 200 when
// replaced.
func (s *Service) PutScreening(ctx context.Context, c Caller, id string, body []byte) (*Response, error) {
	in, err := ParseScreening(id, body)
	if err != nil {
		return nil, err
	}
	for range maxAttempts {
		var f filmRow
		err := s.pool.QueryRow(ctx, sqlFilmForScreening, in.FilmID).Scan(&f.version, &f.runtime, &f.ageRating,
			&f.certNumber, &f.certFrom, &f.certTo)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, newErr(ErrUnknownFilm, "film %q is not registered", in.FilmID)
		} else if err != nil {
			return nil, fmt.Errorf("ingest: read film %s: %w", in.FilmID, err)
		}
		var seats int
		err = s.pool.QueryRow(ctx, sqlHallSeats, c.CinemaID, in.HallID).Scan(&seats)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, newErr(ErrUnknownHall, "hall %q is not a hall of cinema %q", in.HallID, c.CinemaID)
		} else if err != nil {
			return nil, fmt.Errorf("ingest: read hall %s/%s: %w", c.CinemaID, in.HallID, err)
		}
		var prev *prevScreening
		var ps prevScreening
		err = s.pool.QueryRow(ctx, sqlScreeningPrev, c.CinemaID, in.ID).Scan(&ps.seq, &ps.version, &ps.sold, &ps.filmID, &ps.bod)
		if err == nil {
			prev = &ps
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("ingest: read screening %s/%s: %w", c.CinemaID, in.ID, err)
		}

		ends := in.StartsAt.Add(time.Duration(f.runtime) * time.Minute)
		bod := BoxOfficeDay(in.StartsAt)
		if bod.Before(f.certFrom) || bod.After(f.certTo) {
			return nil, newErr(ErrCertificateNotValid, "film %q: certificate %s is valid %s to %s, not on the box-office day %s",
				in.FilmID, f.certNumber, f.certFrom.Format(dateLayout), f.certTo.Format(dateLayout), bod.Format(dateLayout))
		}
		if f.ageRating == "21+" && !AdultOnlyStartAllowed(in.StartsAt) {
			return nil, newErr(ErrAgeRestrictedTime, "film %q is rated 21+ and may start only between 22:00 and 06:00 local time, not at %s",
				in.FilmID, in.StartsAt.In(Location).Format("15:04"))
		}
		if prev != nil && prev.sold > 0 {
			return nil, newErr(ErrScreeningHasSales, "screening %q has %d tickets sold and cannot be replaced; refund them with reason %q to cancel it",
				in.ID, prev.sold, ReasonScreeningCancelled)
		}
		version := 1
		if prev != nil {
			version = prev.version + 1
		}
		view := ScreeningView{ID: in.ID, Version: version, HallID: in.HallID, FilmID: in.FilmID,
			StartsAt: fmtTime(in.StartsAt), EndsAt: fmtTime(ends), BoxOfficeDay: bod.Format(dateLayout),
			Format: in.Format, Language: in.Language, Seats: seats}
		rec := ledger.Record{
			Kind:  "screening",
			Actor: c.KeyID,
			Body: screeningBody{CinemaID: c.CinemaID, ID: in.ID, Version: version, HallID: in.HallID, FilmID: in.FilmID,
				StartsAt: view.StartsAt, EndsAt: view.EndsAt, BoxOfficeDay: view.BoxOfficeDay, Format: in.Format,
				Language: in.Language, RuntimeMin: f.runtime, Seats: seats},
			CinemaID: c.CinemaID,
			FilmID:   in.FilmID,
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				return projectScreening(ctx, tx, e, c.CinemaID, in, ends, bod, seats, f.version, prev)
			},
		}
		e, err := s.app.Append(ctx, rec)
		switch {
		case err == nil:
			status := http.StatusCreated
			if prev != nil {
				status = http.StatusOK
			}
			return &Response{Status: status, Body: mustJSON(ScreeningResponse{Entry: entryRef(e), Screening: view})}, nil
		case isStale(err):
			continue
		default:
			return nil, asRuleError(err)
		}
	}
	return nil, fmt.Errorf("ingest: screening %s/%s: premises kept changing after %d attempts", c.CinemaID, id, maxAttempts)
}

func projectScreening(ctx context.Context, tx pgx.Tx, e ledger.Entry, cinemaID string, in *Screening, ends, bod time.Time,
	seats, filmVersion int, prev *prevScreening) error {
	var (
		gotFilmVersion, gotSeats int
		cur                      *prevScreening
		overlapID                string
		overlapStart, overlapEnd time.Time
	)
	b := &pgx.Batch{}
	b.Queue(sqlFilmVersion, in.FilmID).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&gotFilmVersion))
	})
	b.Queue(sqlHallSeats, cinemaID, in.HallID).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&gotSeats))
	})
	b.Queue(sqlScreeningPrev, cinemaID, in.ID).QueryRow(func(r pgx.Row) error {
		var ps prevScreening
		err := r.Scan(&ps.seq, &ps.version, &ps.sold, &ps.filmID, &ps.bod)
		if err == nil {
			cur = &ps
		}
		return ignoreNoRows(err)
	})
	b.Queue(sqlScreeningOverlap, cinemaID, in.HallID, in.ID, in.StartsAt, ends, in.StartsAt.Add(-maxRuntime)).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&overlapID, &overlapStart, &overlapEnd))
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("ingest: screening state: %w", err)
	}
	if gotFilmVersion != filmVersion || gotSeats != seats || (cur == nil) != (prev == nil) || (cur != nil && cur.seq != prev.seq) {
		return &errStale{why: "film, hall or screening changed"}
	}
	if cur != nil && cur.sold > 0 {
		return newErr(ErrScreeningHasSales, "screening %q has %d tickets sold and cannot be replaced", in.ID, cur.sold)
	}
	if overlapID != "" {
		return newErr(ErrScreeningOverlap, "screening %q in hall %q runs %s to %s and overlaps %s to %s",
			overlapID, in.HallID, overlapStart.In(Location).Format(time.RFC3339), overlapEnd.In(Location).Format(time.RFC3339),
			in.StartsAt.In(Location).Format(time.RFC3339), ends.In(Location).Format(time.RFC3339))
	}
	w := &pgx.Batch{}
	w.Queue(sqlScreeningUpsert, cinemaID, in.ID, in.HallID, in.FilmID, in.StartsAt, ends, bod, in.Format, in.Language, e.Seq, seats)
	if prev != nil {
		w.Queue(sqlScreeningsDailySub, cinemaID, prev.filmID, prev.bod)
	}
	w.Queue(sqlScreeningsDailyAdd, cinemaID, in.FilmID, bod)
	if err := tx.SendBatch(ctx, w).Close(); err != nil {
		return fmt.Errorf("ingest: write screening: %w", err)
	}
	return nil
}

func ignoreNoRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}
