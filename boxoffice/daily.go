package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// ErrFilmNotFound is a daily series asked for a film that is not registered.
var ErrFilmNotFound = errors.New("film not found")

const (
	// A film's net gross and admissions per box-office day in from..to
	// ($2..$3), in the whole country or region $4, and screenings and
	// cinemas from screenings_daily (cinemas of region $4).
	qFilmDaily = `
WITH d AS (SELECT generate_series($2::date, $3::date, interval '1 day')::date AS day),
s AS (
  SELECT b.box_office_day AS day, sum(b.gross) AS gross, sum(b.admissions) AS admissions
  FROM boxoffice_daily b
  WHERE b.film_id = $1 AND b.box_office_day BETWEEN $2 AND $3 AND ($4 = '' OR b.region = $4)
  GROUP BY 1),
sc AS (
  SELECT sd.box_office_day AS day, sum(sd.screenings) AS screenings, count(*) FILTER (WHERE sd.screenings > 0) AS cinemas
  FROM screenings_daily sd JOIN cinemas c ON c.id = sd.cinema_id
  WHERE sd.film_id = $1 AND sd.box_office_day BETWEEN $2 AND $3 AND ($4 = '' OR c.region = $4)
  GROUP BY 1)
SELECT d.day, coalesce(s.gross, 0), coalesce(s.admissions, 0), coalesce(sc.screenings, 0), coalesce(sc.cinemas, 0)
FROM d LEFT JOIN s USING (day) LEFT JOIN sc USING (day)
ORDER BY d.day`

	qFilmBefore = `
SELECT coalesce(sum(b.gross), 0), coalesce(sum(b.admissions), 0)
FROM boxoffice_daily b
WHERE b.film_id = $1 AND b.box_office_day < $2 AND ($3 = '' OR b.region = $3)`
)

// DailyQuery asks for a film's daily series.
type DailyQuery struct {
	FilmID   string
	From, To time.Time
	Region   string
}

// DailyPoint is one box-office day of a film.
type DailyPoint struct {
	Day                  time.Time
	Gross                decimal.Decimal
	Admissions           int64
	Screenings           int64
	Cinemas              int64
	CumulativeGross      decimal.Decimal // since the first day ever, through this day
	CumulativeAdmissions int64
}

// Daily is a film's daily series.
type Daily struct {
	Query  DailyQuery
	Title  Title
	Origin string
	Days   []DailyPoint
	AsOf   time.Time
}

// FilmDaily returns a film's figures per box-office day from..to (every day,
// zeros included), with the running totals since its first day.
func (s *Service) FilmDaily(ctx context.Context, q DailyQuery) (Daily, error) {
	p, err := NewPeriod(Custom, time.Time{}, q.From, q.To)
	if err != nil {
		return Daily{}, err
	}
	if p.days() > 400 {
		return Daily{}, invalid("to", "too_long", "a daily series spans at most 400 days")
	}
	q.From, q.To = p.From, p.To
	if err := s.checkRegion(ctx, q.Region); err != nil {
		return Daily{}, err
	}
	out := Daily{Query: q, AsOf: asOf(s.now())}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Daily{}, fmt.Errorf("boxoffice: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	info, err := filmInfo(ctx, tx, []string{q.FilmID})
	if err != nil {
		return Daily{}, err
	}
	fi, ok := info[q.FilmID]
	if !ok {
		return Daily{}, fmt.Errorf("%w: %s", ErrFilmNotFound, q.FilmID)
	}
	out.Title, out.Origin = fi.title, fi.origin
	var cg decimal.Decimal
	var ca int64
	if err := tx.QueryRow(ctx, qFilmBefore, q.FilmID, q.From, q.Region).Scan(&cg, &ca); err != nil {
		return Daily{}, fmt.Errorf("boxoffice: daily: %w", err)
	}
	rows, err := tx.Query(ctx, qFilmDaily, q.FilmID, q.From, q.To, q.Region)
	if err != nil {
		return Daily{}, fmt.Errorf("boxoffice: daily: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DailyPoint
		if err := rows.Scan(&d.Day, &d.Gross, &d.Admissions, &d.Screenings, &d.Cinemas); err != nil {
			return Daily{}, fmt.Errorf("boxoffice: daily: %w", err)
		}
		d.Day = truncDate(d.Day)
		cg, ca = cg.Add(d.Gross), ca+d.Admissions
		d.CumulativeGross, d.CumulativeAdmissions = cg, ca
		out.Days = append(out.Days, d)
	}
	return out, rows.Err()
}
