package boxoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Net gross and admissions per group (month or year start of the
// box-office day), film and origin in from..to, optionally in region $4,
// from the derived rollup boxoffice_daily.
const (
	qShareFilms = `
SELECT date_trunc($3::text, b.box_office_day::timestamp)::date AS g, b.film_id, f.origin, sum(b.gross), sum(b.admissions)
FROM boxoffice_daily b JOIN films f ON f.id = b.film_id
WHERE b.box_office_day BETWEEN $1 AND $2
GROUP BY 1, 2, 3`
	qShareFilmsRegion = `
SELECT date_trunc($3::text, b.box_office_day::timestamp)::date AS g, b.film_id, f.origin, sum(b.gross), sum(b.admissions)
FROM boxoffice_daily b JOIN films f ON f.id = b.film_id
WHERE b.box_office_day BETWEEN $1 AND $2 AND b.region = $4
GROUP BY 1, 2, 3`
)

// Films released (release_date) per group and origin in from..to.
const qShareReleases = `
SELECT date_trunc($3::text, release_date::timestamp)::date AS g, origin, count(*)
FROM films
WHERE release_date BETWEEN $1 AND $2
GROUP BY 1, 2`

// Origins in the order answers list them.
var Origins = []string{"national", "coproduction", "foreign"}

// ShareQuery asks for national/coproduction/foreign shares.
type ShareQuery struct {
	From    time.Time
	To      time.Time
	GroupBy Kind // Month or Year
	Region  string
}

// OriginShare is one origin's figures in one group.
type OriginShare struct {
	Origin             string
	Gross              decimal.Decimal
	GrossSharePct      decimal.Decimal
	Admissions         int64
	AdmissionsSharePct decimal.Decimal
	Films              int // films of this origin with positive net admissions
}

// ShareGroup is one month or year.
type ShareGroup struct {
	Period          Period // clipped to the query's from..to
	Key             string // "2026-01" for a month, "2026" for a year
	Origins         []OriginShare
	Gross           decimal.Decimal
	Admissions      int64
	NationalInTop10 int            // national films among the group's top 10 by gross
	FilmsReleased   map[string]int // by origin, from release_date in the group
	FilmsReleasedN  int
}

// ShareReport is the answer to a ShareQuery.
type ShareReport struct {
	Query  ShareQuery
	Groups []ShareGroup
}

// Share computes per-group national/coproduction/foreign figures.
func (s *Service) Share(ctx context.Context, q ShareQuery) (ShareReport, error) {
	groups, err := groups(q.GroupBy, q.From, q.To)
	if err != nil {
		return ShareReport{}, err
	}
	if err := s.checkRegion(ctx, q.Region); err != nil {
		return ShareReport{}, err
	}
	q.From, q.To = groups[0].From, groups[len(groups)-1].To
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return ShareReport{}, fmt.Errorf("boxoffice: begin: %w", err)
	}
	defer tx.Rollback(ctx)

	byKey := map[time.Time][]shareInput{}
	var rows pgx.Rows
	if q.Region == "" {
		rows, err = tx.Query(ctx, qShareFilms, q.From, q.To, string(q.GroupBy))
	} else {
		rows, err = tx.Query(ctx, qShareFilmsRegion, q.From, q.To, string(q.GroupBy), q.Region)
	}
	if err != nil {
		return ShareReport{}, fmt.Errorf("boxoffice: share: %w", err)
	}
	for rows.Next() {
		var g time.Time
		var f shareInput
		if err := rows.Scan(&g, &f.FilmID, &f.Origin, &f.Gross, &f.Admissions); err != nil {
			rows.Close()
			return ShareReport{}, fmt.Errorf("boxoffice: share: %w", err)
		}
		byKey[g] = append(byKey[g], f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ShareReport{}, fmt.Errorf("boxoffice: share: %w", err)
	}

	released := map[time.Time]map[string]int{}
	rows, err = tx.Query(ctx, qShareReleases, q.From, q.To, string(q.GroupBy))
	if err != nil {
		return ShareReport{}, fmt.Errorf("boxoffice: share releases: %w", err)
	}
	for rows.Next() {
		var g time.Time
		var origin string
		var n int
		if err := rows.Scan(&g, &origin, &n); err != nil {
			rows.Close()
			return ShareReport{}, fmt.Errorf("boxoffice: share releases: %w", err)
		}
		if released[g] == nil {
			released[g] = map[string]int{}
		}
		released[g][origin] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ShareReport{}, fmt.Errorf("boxoffice: share releases: %w", err)
	}

	out := ShareReport{Query: q, Groups: make([]ShareGroup, len(groups))}
	for i, g := range groups {
		start := g.From
		if q.GroupBy == Month {
			start = date(start.Year(), start.Month(), 1)
		} else {
			start = date(start.Year(), 1, 1)
		}
		out.Groups[i] = buildShareGroup(g, byKey[start], released[start])
	}
	return out, nil
}

// shareInput is one film's net figures in a group.
type shareInput struct {
	FilmID     string
	Origin     string
	Gross      decimal.Decimal
	Admissions int64
}

// buildShareGroup assembles a group: sums per origin, shares by the
// largest-remainder rule of sharesPct (gross and admissions shares each add
// up to exactly 100.00 when the group has any), and the number of national
// films among the top 10 by gross (ranking order, as order sorts them).
func buildShareGroup(p Period, films []shareInput, released map[string]int) ShareGroup {
	g := ShareGroup{Period: p, Gross: decimal.New(0, -2), FilmsReleased: map[string]int{}}
	if p.Kind == Month {
		g.Key = p.From.Format("2006-01")
	} else {
		g.Key = p.From.Format("2006")
	}
	idx := map[string]int{}
	for i, o := range Origins {
		idx[o] = i
		g.Origins = append(g.Origins, OriginShare{Origin: o, Gross: decimal.New(0, -2)})
		g.FilmsReleased[o] = released[o]
		g.FilmsReleasedN += released[o]
	}
	var ranked []figures
	origin := map[string]string{}
	for _, f := range films {
		if f.Admissions <= 0 {
			continue
		}
		i, ok := idx[f.Origin]
		if !ok {
			continue
		}
		o := &g.Origins[i]
		o.Gross = o.Gross.Add(f.Gross)
		o.Admissions += f.Admissions
		o.Films++
		g.Gross = g.Gross.Add(f.Gross)
		g.Admissions += f.Admissions
		ranked = append(ranked, figures{FilmID: f.FilmID, Gross: f.Gross, Admissions: f.Admissions})
		origin[f.FilmID] = f.Origin
	}
	gs := make([]decimal.Decimal, len(g.Origins))
	as := make([]decimal.Decimal, len(g.Origins))
	for i, o := range g.Origins {
		gs[i] = o.Gross
		as[i] = decimal.NewFromInt(o.Admissions)
	}
	gp, ap := sharesPct(gs), sharesPct(as)
	for i := range g.Origins {
		g.Origins[i].GrossSharePct = gp[i]
		g.Origins[i].AdmissionsSharePct = ap[i]
	}
	order(ranked, ByGross)
	for i, f := range ranked {
		if i >= 10 {
			break
		}
		if origin[f.FilmID] == "national" {
			g.NationalInTop10++
		}
	}
	return g
}
