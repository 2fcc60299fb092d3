package boxoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/kztime"
)

// Net gross and admissions per film in a period ($1..$2), from the derived
// rollup boxoffice_daily (per film, box-office day and region; migration
// 0005 keeps it in step with sales_daily), optionally in region $3 and of
// origin $4. Films with no positive net admissions are returned too (their
// gross counts in the totals; ranking drops them).
const (
	qPeriodSales = `
SELECT b.film_id, sum(b.gross), sum(b.admissions)
FROM boxoffice_daily b
WHERE b.box_office_day BETWEEN $1 AND $2
GROUP BY b.film_id`
	qPeriodSalesFiltered = `
SELECT b.film_id, sum(b.gross), sum(b.admissions)
FROM boxoffice_daily b
JOIN films f ON f.id = b.film_id
WHERE b.box_office_day BETWEEN $1 AND $2
  AND ($3 = '' OR b.region = $3) AND ($4 = '' OR f.origin = $4)
GROUP BY b.film_id`
)

// Screenings per film and cinema in a period; Go sums them per film and
// counts the distinct cinemas per film and over all films.
const (
	qPeriodScreenings = `
SELECT d.film_id, d.cinema_id, sum(d.screenings)
FROM screenings_daily d
WHERE d.box_office_day BETWEEN $1 AND $2
GROUP BY 1, 2`
	qPeriodScreeningsFiltered = `
SELECT d.film_id, d.cinema_id, sum(d.screenings)
FROM screenings_daily d
JOIN cinemas c ON c.id = d.cinema_id
JOIN films f ON f.id = d.film_id
WHERE d.box_office_day BETWEEN $1 AND $2
  AND ($3 = '' OR c.region = $3) AND ($4 = '' OR f.origin = $4)
GROUP BY 1, 2`
)

// Cumulative net gross and admissions of the given films ($1) over every
// box-office day up to $2 (previews included), in the whole country or in
// region $3, through the primary key (film_id, box_office_day, region).
const (
	qCumulative = `
SELECT b.film_id, sum(b.gross), sum(b.admissions)
FROM boxoffice_daily b
WHERE b.film_id = ANY($1) AND b.box_office_day <= $2
GROUP BY b.film_id`
	qCumulativeRegion = `
SELECT b.film_id, sum(b.gross), sum(b.admissions)
FROM boxoffice_daily b
WHERE b.film_id = ANY($1) AND b.box_office_day <= $2 AND b.region = $3
GROUP BY b.film_id`
)

// Screens (distinct halls) per film in a period, from the screenings table
// through its (box_office_day, film_id) index.
const (
	qPeriodScreens = `
SELECT s.film_id, count(DISTINCT (s.cinema_id, s.hall_id))
FROM screenings s
WHERE s.box_office_day BETWEEN $1 AND $2
GROUP BY 1`
	qPeriodScreensFiltered = `
SELECT s.film_id, count(DISTINCT (s.cinema_id, s.hall_id))
FROM screenings s
JOIN cinemas c ON c.id = s.cinema_id
JOIN films f ON f.id = s.film_id
WHERE s.box_office_day BETWEEN $1 AND $2
  AND ($3 = '' OR c.region = $3) AND ($4 = '' OR f.origin = $4)
GROUP BY 1`
)

const qFilmInfo = `
SELECT id, title_kk, title_ru, title_en, origin, release_date FROM films WHERE id = ANY($1)`

const qRegionExists = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`

// Service answers box-office queries from the ingest rollups.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns a Service reading from pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now}
}

// SetClock replaces the service's clock (as_of in tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

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
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
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

// AsOf returns the last complete box-office day at now: box-office day D
// runs from 06:00 on D to 06:00 on D+1, local time.
func AsOf(now time.Time) time.Time {
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
	if err := s.checkRegion(ctx, q.Region); err != nil {
		return Rankings{}, err
	}
	out := Rankings{Query: q, Previous: q.Period.Previous(), AsOf: AsOf(s.now())}

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Rankings{}, fmt.Errorf("boxoffice: begin: %w", err)
	}
	defer tx.Rollback(ctx)

	cur, err := periodSales(ctx, tx, q.Period, q.Region, q.Origin)
	if err != nil {
		return Rankings{}, err
	}
	prev, err := periodSales(ctx, tx, out.Previous, q.Region, q.Origin)
	if err != nil {
		return Rankings{}, err
	}
	scr, total, err := periodScreenings(ctx, tx, q.Period, q.Region, q.Origin)
	if err != nil {
		return Rankings{}, err
	}
	out.Totals = Totals{Gross: decimal.New(0, -2), Screenings: total.Screenings, Cinemas: total.Cinemas}
	for _, f := range cur {
		out.Totals.Gross = out.Totals.Gross.Add(f.Gross)
		out.Totals.Admissions += f.Admissions
	}
	prevFigs := make(map[string]Figures, len(prev))
	for _, f := range prev {
		prevFigs[f.FilmID] = f
	}
	screens, err := periodScreens(ctx, tx, q.Period, q.Region, q.Origin)
	if err != nil {
		return Rankings{}, err
	}
	cur, prev = ranked(cur), ranked(prev)
	for i := range cur {
		cur[i].Screenings, cur[i].Cinemas = scr[cur[i].FilmID].Screenings, scr[cur[i].FilmID].Cinemas
	}
	out.Totals.Films = len(cur)

	Order(cur, q.By)
	Order(prev, q.By)
	prevRanks := Ranks(prev)

	// Shares over every ranked film, so that they add up to 100.00.
	grosses := make([]decimal.Decimal, len(cur))
	for i, f := range cur {
		grosses[i] = f.Gross
	}
	shares := SharesPct(grosses)
	adms := make([]decimal.Decimal, len(cur))
	for i, f := range cur {
		adms[i] = decimal.NewFromInt(f.Admissions)
	}
	admShares := SharesPct(adms)

	if len(cur) > q.Limit {
		cur = cur[:q.Limit]
	}
	ids := make([]string, len(cur))
	for i, f := range cur {
		ids[i] = f.FilmID
	}
	cum, err := cumulative(ctx, tx, ids, q.Period.To, q.Region)
	if err != nil {
		return Rankings{}, err
	}
	info, err := filmInfo(ctx, tx, ids)
	if err != nil {
		return Rankings{}, err
	}
	out.Items = make([]RankItem, len(cur))
	for i, f := range cur {
		c := cum[f.FilmID]
		fi := info[f.FilmID]
		pf := prevFigs[f.FilmID]
		out.Items[i] = RankItem{
			Rank:                 i + 1,
			RankChange:           RankChange(prevRanks, f.FilmID, i+1),
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
func ranked(figs []Figures) []Figures {
	out := figs[:0]
	for _, f := range figs {
		if f.Admissions > 0 {
			out = append(out, f)
		}
	}
	return out
}

func periodSales(ctx context.Context, tx pgx.Tx, p Period, region, origin string) ([]Figures, error) {
	var rows pgx.Rows
	var err error
	if region == "" && origin == "" {
		rows, err = tx.Query(ctx, qPeriodSales, p.From, p.To)
	} else {
		rows, err = tx.Query(ctx, qPeriodSalesFiltered, p.From, p.To, region, origin)
	}
	if err != nil {
		return nil, fmt.Errorf("boxoffice: period sales: %w", err)
	}
	defer rows.Close()
	var out []Figures
	for rows.Next() {
		var f Figures
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

// periodScreenings returns screenings and cinemas per film and over all films.
func periodScreenings(ctx context.Context, tx pgx.Tx, p Period, region, origin string) (map[string]Figures, Figures, error) {
	var rows pgx.Rows
	var err error
	if region == "" && origin == "" {
		rows, err = tx.Query(ctx, qPeriodScreenings, p.From, p.To)
	} else {
		rows, err = tx.Query(ctx, qPeriodScreeningsFiltered, p.From, p.To, region, origin)
	}
	if err != nil {
		return nil, Figures{}, fmt.Errorf("boxoffice: period screenings: %w", err)
	}
	defer rows.Close()
	out := map[string]Figures{}
	var total Figures
	cinemas := map[string]bool{}
	for rows.Next() {
		var film, cinema string
		var n int64
		if err := rows.Scan(&film, &cinema, &n); err != nil {
			return nil, Figures{}, fmt.Errorf("boxoffice: period screenings: %w", err)
		}
		f := out[film]
		f.FilmID = film
		f.Screenings += n
		total.Screenings += n
		if n > 0 {
			f.Cinemas++
			cinemas[cinema] = true
		}
		out[film] = f
	}
	if err := rows.Err(); err != nil {
		return nil, Figures{}, fmt.Errorf("boxoffice: period screenings: %w", err)
	}
	total.Cinemas = int64(len(cinemas))
	return out, total, nil
}

func periodScreens(ctx context.Context, tx pgx.Tx, p Period, region, origin string) (map[string]int64, error) {
	var rows pgx.Rows
	var err error
	if region == "" && origin == "" {
		rows, err = tx.Query(ctx, qPeriodScreens, p.From, p.To)
	} else {
		rows, err = tx.Query(ctx, qPeriodScreensFiltered, p.From, p.To, region, origin)
	}
	if err != nil {
		return nil, fmt.Errorf("boxoffice: period screens: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var film string
		var n int64
		if err := rows.Scan(&film, &n); err != nil {
			return nil, fmt.Errorf("boxoffice: period screens: %w", err)
		}
		out[film] = n
	}
	return out, rows.Err()
}

type cumRow struct {
	gross      decimal.Decimal
	admissions int64
}

func cumulative(ctx context.Context, tx pgx.Tx, ids []string, to time.Time, region string) (map[string]cumRow, error) {
	var rows pgx.Rows
	var err error
	if region == "" {
		rows, err = tx.Query(ctx, qCumulative, ids, to)
	} else {
		rows, err = tx.Query(ctx, qCumulativeRegion, ids, to, region)
	}
	if err != nil {
		return nil, fmt.Errorf("boxoffice: cumulative: %w", err)
	}
	defer rows.Close()
	out := make(map[string]cumRow, len(ids))
	for rows.Next() {
		var id string
		var c cumRow
		if err := rows.Scan(&id, &c.gross, &c.admissions); err != nil {
			return nil, fmt.Errorf("boxoffice: cumulative: %w", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("boxoffice: cumulative: %w", err)
	}
	return out, nil
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
	defer rows.Close()
	out := make(map[string]filmRow, len(ids))
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
