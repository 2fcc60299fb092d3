package boxoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/kztime"
)

// A period is read from the monthly rollups for its whole calendar months
// ($1..$2, first days), from the weekly ones for its whole weeks of the
// month outside them and from the daily ones for the days outside those (at
// most twelve); see splitPeriod. Screenings read the weeks as two runs
// ($3..$4, $5..$6) and the days as two runs ($7..$8, $9..$10); an absent
// run is NULL and matches nothing. Sales, which can subtract, read an edge
// week with more than half its days in the period as the week less its
// other days (salesArgs), so at most three edge days a week. Migrations
// 0019 and 0022 keep the rollups.

// Net gross and admissions per film in a period, optionally in region $6
// (the cinema's region when the sale was written) and of origin $7: the
// months $1..$2, the weeks $3, the days $4, less the days $5 (salesArgs).
// Films with no positive net admissions are returned too (their gross
// counts in the totals; ranking drops them).
const (
	qPeriodSales = `
SELECT x.film_id, sum(x.gross), sum(x.admissions) FROM (
  SELECT film_id, gross, admissions FROM boxoffice_film_monthly WHERE month BETWEEN $1 AND $2
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_film_weekly WHERE week = ANY($3)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_daily WHERE box_office_day = ANY($4)
  UNION ALL
  SELECT film_id, -gross, -admissions FROM boxoffice_daily WHERE box_office_day = ANY($5)) x
GROUP BY x.film_id`
	qPeriodSalesOrigin = `
SELECT x.film_id, sum(x.gross), sum(x.admissions) FROM (
  SELECT film_id, gross, admissions FROM boxoffice_film_monthly WHERE month BETWEEN $1 AND $2
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_film_weekly WHERE week = ANY($3)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_daily WHERE box_office_day = ANY($4)
  UNION ALL
  SELECT film_id, -gross, -admissions FROM boxoffice_daily WHERE box_office_day = ANY($5)) x
JOIN films f ON f.id = x.film_id
WHERE $6 = '' AND f.origin = $7
GROUP BY x.film_id`
	qPeriodSalesRegion = `
SELECT x.film_id, sum(x.gross), sum(x.admissions) FROM (
  SELECT film_id, gross, admissions FROM boxoffice_monthly WHERE region = $6 AND month BETWEEN $1 AND $2
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_weekly WHERE region = $6 AND week = ANY($3)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_daily WHERE region = $6 AND box_office_day = ANY($4)
  UNION ALL
  SELECT film_id, -gross, -admissions FROM boxoffice_daily WHERE region = $6 AND box_office_day = ANY($5)) x
JOIN films f ON f.id = x.film_id
WHERE $7 = '' OR f.origin = $7
GROUP BY x.film_id`
)

// Screenings per film in a period with the bitmaps of the cinemas with
// screenings and of the halls with a screening (numbered by
// boxoffice_cinema_numbers and boxoffice_hall_numbers), one row per month,
// week or day; Go unites them. Filtered, only films of origin $11 (any when
// empty) are read, and the bitmaps are masked by the cinemas of the region.
const (
	qPeriodScreens = `
SELECT film_id, screenings, cinemas, halls FROM screens_monthly WHERE month BETWEEN $1 AND $2
UNION ALL
SELECT film_id, screenings, cinemas, halls FROM screens_weekly WHERE week BETWEEN $3 AND $4
UNION ALL
SELECT film_id, screenings, cinemas, halls FROM screens_weekly WHERE week BETWEEN $5 AND $6
UNION ALL
SELECT film_id, screenings, cinemas, halls FROM screens_daily WHERE box_office_day BETWEEN $7 AND $8
UNION ALL
SELECT film_id, screenings, cinemas, halls FROM screens_daily WHERE box_office_day BETWEEN $9 AND $10`
	qPeriodScreensFiltered = `
SELECT x.film_id, x.screenings, x.cinemas, x.halls FROM (
  SELECT film_id, screenings, cinemas, halls FROM screens_monthly WHERE month BETWEEN $1 AND $2
  UNION ALL
  SELECT film_id, screenings, cinemas, halls FROM screens_weekly WHERE week BETWEEN $3 AND $4
  UNION ALL
  SELECT film_id, screenings, cinemas, halls FROM screens_weekly WHERE week BETWEEN $5 AND $6
  UNION ALL
  SELECT film_id, screenings, cinemas, halls FROM screens_daily WHERE box_office_day BETWEEN $7 AND $8
  UNION ALL
  SELECT film_id, screenings, cinemas, halls FROM screens_daily WHERE box_office_day BETWEEN $9 AND $10) x
JOIN films f ON f.id = x.film_id
WHERE $11 = '' OR f.origin = $11`
	// Screenings per film in region $11 (the cinema's current region), of
	// origin $12 (any when '').
	qPeriodScreeningsRegion = `
SELECT x.film_id, sum(x.screenings) FROM (
  SELECT film_id, screenings FROM screenings_region_monthly WHERE region = $11 AND month BETWEEN $1 AND $2
  UNION ALL
  SELECT film_id, screenings FROM screenings_region_weekly WHERE region = $11 AND week BETWEEN $3 AND $4
  UNION ALL
  SELECT film_id, screenings FROM screenings_region_weekly WHERE region = $11 AND week BETWEEN $5 AND $6
  UNION ALL
  SELECT film_id, screenings FROM screenings_region_daily WHERE region = $11 AND box_office_day BETWEEN $7 AND $8
  UNION ALL
  SELECT film_id, screenings FROM screenings_region_daily WHERE region = $11 AND box_office_day BETWEEN $9 AND $10) x
JOIN films f ON f.id = x.film_id
WHERE $12 = '' OR f.origin = $12
GROUP BY x.film_id`
	// The numbers of the registered cinemas and of their halls in region $1
	// (every registered one when '').
	qMaskNumbers = `
SELECT false, n.no FROM boxoffice_cinema_numbers n JOIN cinemas c ON c.id = n.cinema_id WHERE $1 = '' OR c.region = $1
UNION ALL
SELECT true, n.no FROM boxoffice_hall_numbers n JOIN cinemas c ON c.id = n.cinema_id WHERE $1 = '' OR c.region = $1`
)

// Cumulative net gross and admissions of the given films ($1) over every
// box-office day up to the period's last day (previews included): the
// months before $2, then the weeks $3, the days $4, less the days $5 of the
// last day's month up to it (see cumulativeSpan), in the whole country or
// in region $6.
const (
	qCumulative = `
SELECT x.film_id, sum(x.gross), sum(x.admissions) FROM (
  SELECT film_id, gross, admissions FROM boxoffice_film_monthly WHERE month < $2 AND film_id = ANY($1)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_film_weekly WHERE week = ANY($3) AND film_id = ANY($1)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_daily WHERE box_office_day = ANY($4) AND film_id = ANY($1)
  UNION ALL
  SELECT film_id, -gross, -admissions FROM boxoffice_daily WHERE box_office_day = ANY($5) AND film_id = ANY($1)) x
GROUP BY x.film_id`
	qCumulativeRegion = `
SELECT x.film_id, sum(x.gross), sum(x.admissions) FROM (
  SELECT film_id, gross, admissions FROM boxoffice_monthly WHERE region = $6 AND month < $2 AND film_id = ANY($1)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_weekly WHERE region = $6 AND week = ANY($3) AND film_id = ANY($1)
  UNION ALL
  SELECT film_id, gross, admissions FROM boxoffice_daily WHERE region = $6 AND box_office_day = ANY($4) AND film_id = ANY($1)
  UNION ALL
  SELECT film_id, -gross, -admissions FROM boxoffice_daily WHERE region = $6 AND box_office_day = ANY($5) AND film_id = ANY($1)) x
GROUP BY x.film_id`
)

const qFilmInfo = `
SELECT id, title_kk, title_ru, title_en, origin, release_date FROM films WHERE id = ANY($1)`

const qRegionExists = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`

// sqlNoParallel keeps a ranking's reads in its own backend. They read a few
// thousand rows (about a millisecond of work), but on the year's tables the
// planner may pick a parallel plan, and starting its workers cost 20-50 ms
// on a busy two-core machine (EXPLAIN ANALYZE of the custom ranges on the
// perf data: 32-57 ms with two workers, 1.7-2.1 ms without).
const sqlNoParallel = `SET LOCAL max_parallel_workers_per_gather = 0`

// Service answers box-office queries from the ingest rollups.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns a Service reading from pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now}
}

// setClock replaces the service's clock (as_of in tests).
func (s *Service) setClock(now func() time.Time) { s.now = now }

// RankingsQuery asks for a ranking.
type RankingsQuery struct {
	Period Period
	By     By     // ByGross when empty
	Limit  int    // 10 when 0; at most MaxLimit
	Region string // ISO 3166-2:KZ code or ""
	Origin string // national, coproduction, foreign or ""
}

// MaxLimit bounds RankingsQuery.Limit.
const MaxLimit = 1000

// Title is a film's title in the three languages.
type Title struct {
	KK, RU, EN string
}

// RankItem is one ranked film.
type RankItem struct {
	Rank int
	// RankChange is the places moved up since the previous period (previous
	// rank − rank): +2 went from 3rd to 1st, −1 fell one place, 0 kept it;
	// nil if the film was not ranked then.
	RankChange           *int
	New                  bool // no net admissions before the period's first day
	FilmID               string
	Title                Title
	Origin               string
	ReleaseDate          time.Time
	Gross                decimal.Decimal
	GrossSharePct        decimal.Decimal
	Admissions           int64
	Screenings           int64
	Cinemas              int64
	Screens              int64 // halls that showed the film in the period
	CumulativeGross      decimal.Decimal
	CumulativeAdmissions int64
	// Changes against the previous period of the same kind (the film's
	// figures there, zero when it had none). The percentages are nil when
	// the previous figure is zero; they are rounded half away from zero to
	// two places.
	GrossChange         decimal.Decimal
	GrossChangePct      *decimal.Decimal
	AdmissionsChange    int64
	AdmissionsChangePct *decimal.Decimal
	AdmissionsSharePct  decimal.Decimal // of the ranked films' admissions; adds up to 100.00 over all ranked films
}

// changePct is 100·(cur − prev)/prev to two places, nil when prev is zero.
func changePct(cur, prev decimal.Decimal) *decimal.Decimal {
	if prev.IsZero() {
		return nil
	}
	d := cur.Sub(prev).Mul(decimal.NewFromInt(100)).DivRound(prev, 4).Round(2)
	return &d
}

// Totals are a period's figures over every film in the filter.
type Totals struct {
	Gross      decimal.Decimal
	Admissions int64
	Screenings int64
	Cinemas    int64
	Films      int // ranked films (positive net admissions)
}

// Rankings is the answer to a RankingsQuery.
type Rankings struct {
	Query    RankingsQuery
	Previous Period
	Totals   Totals
	Items    []RankItem
	// AsOf is the last complete box-office day when the ranking was read
	// (a day is complete at 06:00 local time the next morning); a period
	// ending after it is still growing.
	AsOf time.Time
}

// asOf returns the last complete box-office day at now: box-office day D
// runs from 06:00 on D to 06:00 on D+1, local time.
func asOf(now time.Time) time.Time {
	return truncDate(now.In(kztime.Location).Add(-6*time.Hour)).AddDate(0, 0, -1)
}

var validOrigins = map[string]bool{"national": true, "coproduction": true, "foreign": true}

func (s *Service) checkRegion(ctx context.Context, region string) error {
	if region == "" {
		return nil
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, qRegionExists, region).Scan(&ok); err != nil {
		return fmt.Errorf("boxoffice: region: %w", err)
	}
	if !ok {
		return invalid("region", "unknown", "unknown region code "+region)
	}
	return nil
}

// Rankings ranks the films of q.Period, compares with the previous period
// of the same kind and adds cumulative figures since release.
func (s *Service) Rankings(ctx context.Context, q RankingsQuery) (Rankings, error) {
	if q.By == "" {
		q.By = ByGross
	}
	if q.By != ByGross && q.By != ByAdmissions {
		return Rankings{}, invalid("by", "invalid", "by must be gross or admissions")
	}
	if q.Limit == 0 {
		q.Limit = 10
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return Rankings{}, invalid("limit", "out_of_range", fmt.Sprintf("limit must be 1..%d", MaxLimit))
	}
	if q.Origin != "" && !validOrigins[q.Origin] {
		return Rankings{}, invalid("origin", "invalid", "origin must be national, coproduction or foreign")
	}
	out := Rankings{Query: q, Previous: q.Period.previous(), AsOf: asOf(s.now())}

	// Two round trips: the period's reads in one pipelined batch, inside a
	// repeatable-read transaction it opens, then the cumulative figures and
	// titles of the films ranked, with the COMMIT.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return Rankings{}, fmt.Errorf("boxoffice: acquire: %w", err)
	}
	defer conn.Release()
	committed := false
	defer func() {
		if !committed {
			conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
	b.Queue(sqlNoParallel)
	b.Queue(qRegionExists, q.Region)
	queueSales(b, q.Period, q.Region, q.Origin)
	queueSales(b, out.Previous, q.Region, q.Origin)
	queueScreenings(b, q.Period, q.Region, q.Origin)
	br := conn.SendBatch(ctx, b)
	cur, prev, scr, total, screens, err := readPeriod(br, q.Region, q.Origin)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("boxoffice: rankings: %w", cerr)
	}
	if err != nil {
		return Rankings{}, err
	}
	out.Totals = Totals{Gross: decimal.New(0, -2), Screenings: total.Screenings, Cinemas: total.Cinemas}
	for _, f := range cur {
		out.Totals.Gross = out.Totals.Gross.Add(f.Gross)
		out.Totals.Admissions += f.Admissions
	}
	prevFigs := make(map[string]figures, len(prev))
	for _, f := range prev {
		prevFigs[f.FilmID] = f
	}
	cur, prev = ranked(cur), ranked(prev)
	for i := range cur {
		cur[i].Screenings, cur[i].Cinemas = scr[cur[i].FilmID].Screenings, scr[cur[i].FilmID].Cinemas
	}
	out.Totals.Films = len(cur)

	order(cur, q.By)
	order(prev, q.By)
	prevRanks := ranks(prev)

	// Shares over every ranked film, so that they add up to 100.00.
	grosses := make([]decimal.Decimal, len(cur))
	for i, f := range cur {
		grosses[i] = f.Gross
	}
	shares := sharesPct(grosses)
	adms := make([]decimal.Decimal, len(cur))
	for i, f := range cur {
		adms[i] = decimal.NewFromInt(f.Admissions)
	}
	admShares := sharesPct(adms)

	if len(cur) > q.Limit {
		cur = cur[:q.Limit]
	}
	ids := make([]string, len(cur))
	for i, f := range cur {
		ids[i] = f.FilmID
	}
	b = &pgx.Batch{}
	queueCumulative(b, ids, q.Period.To, q.Region)
	b.Queue(qFilmInfo, ids)
	b.Queue("COMMIT")
	br = conn.SendBatch(ctx, b)
	cum, info, err := readCumulative(br)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("boxoffice: rankings: %w", cerr)
	}
	if err != nil {
		return Rankings{}, err
	}
	committed = true
	out.Items = make([]RankItem, len(cur))
	for i, f := range cur {
		c := cum[f.FilmID]
		fi := info[f.FilmID]
		pf := prevFigs[f.FilmID]
		out.Items[i] = RankItem{
			Rank:                 i + 1,
			RankChange:           rankChange(prevRanks, f.FilmID, i+1),
			New:                  c.admissions-f.Admissions == 0 && c.gross.Sub(f.Gross).IsZero(),
			FilmID:               f.FilmID,
			Title:                fi.title,
			Origin:               fi.origin,
			ReleaseDate:          fi.release,
			Gross:                f.Gross,
			GrossSharePct:        shares[i],
			Admissions:           f.Admissions,
			Screenings:           f.Screenings,
			Cinemas:              f.Cinemas,
			CumulativeGross:      c.gross,
			CumulativeAdmissions: c.admissions,
			Screens:              screens[f.FilmID],
			GrossChange:          f.Gross.Sub(pf.Gross),
			GrossChangePct:       changePct(f.Gross, pf.Gross),
			AdmissionsChange:     f.Admissions - pf.Admissions,
			AdmissionsChangePct:  changePct(decimal.NewFromInt(f.Admissions), decimal.NewFromInt(pf.Admissions)),
			AdmissionsSharePct:   admShares[i],
		}
	}
	return out, nil
}

// ranked keeps the films with positive net admissions.
func ranked(figs []figures) []figures {
	out := figs[:0]
	for _, f := range figs {
		if f.Admissions > 0 {
			out = append(out, f)
		}
	}
	return out
}

// queueSales queues the net figures per film of p.
func queueSales(b *pgx.Batch, p Period, region, origin string) {
	args := splitPeriod(p.From, p.To).salesArgs()
	switch {
	case region != "":
		b.Queue(qPeriodSalesRegion, append(args, region, origin)...)
	case origin != "":
		b.Queue(qPeriodSalesOrigin, append(args, region, origin)...)
	default:
		b.Queue(qPeriodSales, args...)
	}
}

func readSales(br pgx.BatchResults) ([]figures, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("boxoffice: period sales: %w", err)
	}
	defer rows.Close()
	var out []figures
	for rows.Next() {
		var f figures
		if err := rows.Scan(&f.FilmID, &f.Gross, &f.Admissions); err != nil {
			return nil, fmt.Errorf("boxoffice: period sales: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("boxoffice: period sales: %w", err)
	}
	return out, nil
}

// readPeriod reads what Rankings queued: BEGIN, sqlNoParallel, the region
// check, the sales of the period and of the previous one, and the
// screenings.
func readPeriod(br pgx.BatchResults, region, origin string) (cur, prev []figures, scr map[string]figures, total figures, screens map[string]int64, err error) {
	for range 2 { // BEGIN, sqlNoParallel
		if _, err = br.Exec(); err != nil {
			return nil, nil, nil, figures{}, nil, fmt.Errorf("boxoffice: begin: %w", err)
		}
	}
	var ok bool
	if err = br.QueryRow().Scan(&ok); err != nil {
		return nil, nil, nil, figures{}, nil, fmt.Errorf("boxoffice: region: %w", err)
	}
	if region != "" && !ok {
		return nil, nil, nil, figures{}, nil, invalid("region", "unknown", "unknown region code "+region)
	}
	if cur, err = readSales(br); err != nil {
		return nil, nil, nil, figures{}, nil, err
	}
	if prev, err = readSales(br); err != nil {
		return nil, nil, nil, figures{}, nil, err
	}
	scr, total, screens, err = readScreenings(br, region, origin)
	return cur, prev, scr, total, screens, err
}

// screensFilm is one film's screenings and its bitmaps united over a period.
type screensFilm struct {
	screenings     int64
	cinemas, halls bitmap
}

// queueScreenings queues the screenings reads of p: the bitmaps per film,
// and when filtered the screenings in the region and the mask numbers.
func queueScreenings(b *pgx.Batch, p Period, region, origin string) {
	sp := splitPeriod(p.From, p.To)
	if region == "" && origin == "" {
		b.Queue(qPeriodScreens, sp.args()...)
		return
	}
	b.Queue(qPeriodScreensFiltered, append(sp.args(), origin)...)
	if region != "" {
		b.Queue(qPeriodScreeningsRegion, append(sp.args(), region, origin)...)
	}
	b.Queue(qMaskNumbers, region)
}

// readScreenings returns per film the screenings, the distinct cinemas
// with screenings and the distinct halls with a screening (screens), and
// the screenings and distinct cinemas over all films, in the filter.
func readScreenings(br pgx.BatchResults, region, origin string) (map[string]figures, figures, map[string]int64, error) {
	filtered := region != "" || origin != ""
	rows, err := br.Query()
	if err != nil {
		return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
	}
	films := map[string]*screensFilm{}
	for rows.Next() {
		var film string
		var n int64
		var c, h pgtype.Bits
		if err := rows.Scan(&film, &n, &c, &h); err != nil {
			rows.Close()
			return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
		}
		f := films[film]
		if f == nil {
			f = &screensFilm{}
			films[film] = f
		}
		f.screenings += n
		f.cinemas.or(c.Bytes)
		f.halls.or(h.Bytes)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
	}
	var cinemaMask, hallMask bitmap
	if filtered {
		if region != "" {
			// Screenings per film in the region.
			for _, f := range films {
				f.screenings = 0
			}
			rows, err := br.Query()
			if err != nil {
				return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
			}
			for rows.Next() {
				var film string
				var n int64
				if err := rows.Scan(&film, &n); err != nil {
					rows.Close()
					return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
				}
				f := films[film]
				if f == nil {
					f = &screensFilm{}
					films[film] = f
				}
				f.screenings = n
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
			}
		}
		rows, err := br.Query()
		if err != nil {
			return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
		}
		for rows.Next() {
			var hall bool
			var no int
			if err := rows.Scan(&hall, &no); err != nil {
				rows.Close()
				return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
			}
			if hall {
				hallMask.set(no)
			} else {
				cinemaMask.set(no)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, figures{}, nil, fmt.Errorf("boxoffice: period screenings: %w", err)
		}
	}
	out := make(map[string]figures, len(films))
	screens := make(map[string]int64, len(films))
	var total figures
	var all bitmap
	for id, f := range films {
		if filtered {
			f.cinemas.and(cinemaMask)
			f.halls.and(hallMask)
		}
		all.or(f.cinemas)
		out[id] = figures{FilmID: id, Screenings: f.screenings, Cinemas: int64(f.cinemas.count())}
		total.Screenings += f.screenings
		if n := f.halls.count(); n > 0 {
			screens[id] = int64(n)
		}
	}
	total.Cinemas = int64(all.count())
	return out, total, screens, nil
}

type cumRow struct {
	gross      decimal.Decimal
	admissions int64
}

// cumulativeSpan splits every box-office day up to to: the months before
// the returned first day, then the rest of to's month up to to (an empty
// span when to is the month's last day).
func cumulativeSpan(to time.Time) (monthsBefore time.Time, rest span) {
	to = truncDate(to)
	ms := monthStart(to)
	s := splitPeriod(ms, to)
	if s.MonthFrom != nil {
		return ms.AddDate(0, 1, 0), span{}
	}
	return ms, s
}

func queueCumulative(b *pgx.Batch, ids []string, to time.Time, region string) {
	m, rest := cumulativeSpan(to)
	d := rest.signed()
	if region == "" {
		b.Queue(qCumulative, ids, m, dates(d.Weeks), dates(d.Plus), dates(d.Minus))
	} else {
		b.Queue(qCumulativeRegion, ids, m, dates(d.Weeks), dates(d.Plus), dates(d.Minus), region)
	}
}

// readCumulative reads the cumulative figures, the films' registry rows and
// the COMMIT queued after them.
func readCumulative(br pgx.BatchResults) (map[string]cumRow, map[string]filmRow, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, nil, fmt.Errorf("boxoffice: cumulative: %w", err)
	}
	out := map[string]cumRow{}
	for rows.Next() {
		var id string
		var c cumRow
		if err := rows.Scan(&id, &c.gross, &c.admissions); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("boxoffice: cumulative: %w", err)
		}
		out[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("boxoffice: cumulative: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return nil, nil, fmt.Errorf("boxoffice: films: %w", err)
	}
	info, err := scanFilmInfo(rows)
	if err != nil {
		return nil, nil, err
	}
	if _, err := br.Exec(); err != nil {
		return nil, nil, fmt.Errorf("boxoffice: commit: %w", err)
	}
	return out, info, nil
}

type filmRow struct {
	title   Title
	origin  string
	release time.Time
}

func filmInfo(ctx context.Context, tx pgx.Tx, ids []string) (map[string]filmRow, error) {
	rows, err := tx.Query(ctx, qFilmInfo, ids)
	if err != nil {
		return nil, fmt.Errorf("boxoffice: films: %w", err)
	}
	return scanFilmInfo(rows)
}

func scanFilmInfo(rows pgx.Rows) (map[string]filmRow, error) {
	defer rows.Close()
	out := map[string]filmRow{}
	for rows.Next() {
		var id string
		var f filmRow
		if err := rows.Scan(&id, &f.title.KK, &f.title.RU, &f.title.EN, &f.origin, &f.release); err != nil {
			return nil, fmt.Errorf("boxoffice: films: %w", err)
		}
		out[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("boxoffice: films: %w", err)
	}
	return out, nil
}
