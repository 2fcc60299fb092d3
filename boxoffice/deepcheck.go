package boxoffice

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// The derived rollup as sales_daily implies it, and as stored. Rows that
// net to zero are left out on both sides.
const (
	qDeepRebuilt = `
SELECT d.film_id, d.box_office_day, coalesce(c.region, '') AS region, sum(d.gross) AS gross, sum(d.admissions) AS admissions
FROM public.sales_daily d LEFT JOIN public.cinemas c ON c.id = d.cinema_id
GROUP BY 1, 2, 3
HAVING sum(d.gross) <> 0 OR sum(d.admissions) <> 0`
	qDeepStored = `
SELECT film_id, box_office_day, region, gross, admissions
FROM public.boxoffice_daily
WHERE gross <> 0 OR admissions <> 0`
)

// The rollups of migrations 0019 and 0022 as their sources imply them, and as stored
// (bitmaps padded to the numbering's current length). Sales rollups derive
// from boxoffice_daily (checked against sales_daily above); screenings
// rollups from screenings_daily, screenings and the cinemas' current region.
const (
	qDeepFilmMonthly = `
SELECT film_id, date_trunc('month', box_office_day)::date AS month, sum(gross) AS gross, sum(admissions) AS admissions
FROM public.boxoffice_daily GROUP BY 1, 2 HAVING sum(gross) <> 0 OR sum(admissions) <> 0`
	qDeepFilmMonthlyStored = `
SELECT film_id, month, gross, admissions FROM public.boxoffice_film_monthly WHERE gross <> 0 OR admissions <> 0`
	qDeepMonthly = `
SELECT film_id, date_trunc('month', box_office_day)::date AS month, region, sum(gross) AS gross, sum(admissions) AS admissions
FROM public.boxoffice_daily GROUP BY 1, 2, 3 HAVING sum(gross) <> 0 OR sum(admissions) <> 0`
	qDeepMonthlyStored = `
SELECT film_id, month, region, gross, admissions FROM public.boxoffice_monthly WHERE gross <> 0 OR admissions <> 0`
	qDeepFilmWeekly = `
SELECT film_id, public.boxoffice_week(box_office_day) AS week, sum(gross) AS gross, sum(admissions) AS admissions
FROM public.boxoffice_daily GROUP BY 1, 2 HAVING sum(gross) <> 0 OR sum(admissions) <> 0`
	qDeepFilmWeeklyStored = `
SELECT film_id, week, gross, admissions FROM public.boxoffice_film_weekly WHERE gross <> 0 OR admissions <> 0`
	qDeepWeekly = `
SELECT film_id, public.boxoffice_week(box_office_day) AS week, region, sum(gross) AS gross, sum(admissions) AS admissions
FROM public.boxoffice_daily GROUP BY 1, 2, 3 HAVING sum(gross) <> 0 OR sum(admissions) <> 0`
	qDeepWeeklyStored = `
SELECT film_id, week, region, gross, admissions FROM public.boxoffice_weekly WHERE gross <> 0 OR admissions <> 0`

	// The key's grain is date_trunc($1, ...) with $1 'day' or 'month', or
	// the week of the month (see grain).
	qDeepScreens = `
WITH l AS (SELECT (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_cinema_numbers) AS lc,
                  (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_hall_numbers) AS lh),
c AS (
  SELECT d.film_id, date_trunc($1, d.box_office_day)::date AS k, sum(d.screenings) AS n,
         bit_or(public.boxoffice_bit(n.no, l.lc)) FILTER (WHERE d.screenings > 0) AS bits
  FROM public.screenings_daily d LEFT JOIN public.boxoffice_cinema_numbers n ON n.cinema_id = d.cinema_id CROSS JOIN l
  GROUP BY 1, 2),
h AS (
  SELECT s.film_id, date_trunc($1, s.box_office_day)::date AS k, bit_or(public.boxoffice_bit(n.no, l.lh)) AS bits
  FROM public.screenings s LEFT JOIN public.boxoffice_hall_numbers n ON n.cinema_id = s.cinema_id AND n.hall_id = s.hall_id CROSS JOIN l
  GROUP BY 1, 2)
SELECT film_id, k, coalesce(c.n, 0) AS screenings,
       coalesce(c.bits, public.boxoffice_pad(B'', l.lc)) AS cinemas, coalesce(h.bits, public.boxoffice_pad(B'', l.lh)) AS halls
FROM c FULL JOIN h USING (film_id, k) CROSS JOIN l`
	qDeepScreensDailyStored = `
SELECT film_id, box_office_day AS k, screenings,
       public.boxoffice_pad(cinemas, (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_cinema_numbers)) AS cinemas,
       public.boxoffice_pad(halls, (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_hall_numbers)) AS halls
FROM public.screens_daily`
	qDeepScreensWeeklyStored = `
SELECT film_id, week AS k, screenings,
       public.boxoffice_pad(cinemas, (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_cinema_numbers)) AS cinemas,
       public.boxoffice_pad(halls, (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_hall_numbers)) AS halls
FROM public.screens_weekly`
	qDeepScreensMonthlyStored = `
SELECT film_id, month AS k, screenings,
       public.boxoffice_pad(cinemas, (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_cinema_numbers)) AS cinemas,
       public.boxoffice_pad(halls, (SELECT coalesce(max(no), -1) + 1 FROM public.boxoffice_hall_numbers)) AS halls
FROM public.screens_monthly`
	qDeepScreeningsRegion = `
SELECT d.film_id, date_trunc($1, d.box_office_day)::date AS k, coalesce(c.region, '') AS region, sum(d.screenings) AS screenings
FROM public.screenings_daily d LEFT JOIN public.cinemas c ON c.id = d.cinema_id
GROUP BY 1, 2, 3`
	qDeepScreeningsRegionDailyStored = `
SELECT film_id, box_office_day AS k, region, screenings FROM public.screenings_region_daily`
	qDeepScreeningsRegionWeeklyStored = `
SELECT film_id, week AS k, region, screenings FROM public.screenings_region_weekly`
	qDeepScreeningsRegionMonthlyStored = `
SELECT film_id, month AS k, region, screenings FROM public.screenings_region_monthly`
)

// deepCheck checks, for `ecinema verify --deep`, that the derived rollup
// boxoffice_daily equals sales_daily summed per film, box-office day and
// region (ingest's deep check rebuilds sales_daily itself from the log).
type deepCheck struct{}

// NewDeepCheck returns the box-office rollup check.
func NewDeepCheck() ledger.DeepCheck { return deepCheck{} }

// Name names the check.
func (deepCheck) Name() string { return "boxoffice" }

// Begin does nothing: the rollup derives from sales_daily, not from entries.
func (deepCheck) Begin(context.Context, pgx.Tx) error { return nil }

// Entry does nothing.
func (deepCheck) Entry(context.Context, pgx.Tx, ledger.Entry, ledger.ParsedEntry) error { return nil }

// Compare reports the first differing row of boxoffice_daily, then of each
// rollup of migrations 0019 and 0022.
func (deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return compareRollups(ctx, tx, deepChecks)
}

type deepQuery struct{ table, rebuilt, stored string }

var deepChecks = []deepQuery{
	{"boxoffice_daily", qDeepRebuilt, qDeepStored},
	{"boxoffice_film_monthly", qDeepFilmMonthly, qDeepFilmMonthlyStored},
	{"boxoffice_monthly", qDeepMonthly, qDeepMonthlyStored},
	{"boxoffice_film_weekly", qDeepFilmWeekly, qDeepFilmWeeklyStored},
	{"boxoffice_weekly", qDeepWeekly, qDeepWeeklyStored},
	{"screens_daily", grain(qDeepScreens, "day"), qDeepScreensDailyStored},
	{"screens_weekly", grain(qDeepScreens, "week"), qDeepScreensWeeklyStored},
	{"screens_monthly", grain(qDeepScreens, "month"), qDeepScreensMonthlyStored},
	{"screenings_region_daily", grain(qDeepScreeningsRegion, "day"), qDeepScreeningsRegionDailyStored},
	{"screenings_region_weekly", grain(qDeepScreeningsRegion, "week"), qDeepScreeningsRegionWeeklyStored},
	{"screenings_region_monthly", grain(qDeepScreeningsRegion, "month"), qDeepScreeningsRegionMonthlyStored},
}

// grain sets the key of a rebuild query: date_trunc to a day or a month,
// or the week of the month (boxoffice_week, migration 0022).
func grain(q, g string) string {
	if g == "week" {
		for _, t := range []string{"d", "s"} {
			q = strings.ReplaceAll(q, "date_trunc($1, "+t+".box_office_day)::date", "public.boxoffice_week("+t+".box_office_day)")
		}
		return q
	}
	return strings.ReplaceAll(q, "$1", "'"+g+"'")
}

func compareRollups(ctx context.Context, tx pgx.Tx, checks []deepQuery) error {
	for _, c := range checks {
		if err := ledger.CompareQueries(ctx, tx, c.table, c.rebuilt, c.stored, ""); err != nil {
			return err
		}
	}
	return nil
}
