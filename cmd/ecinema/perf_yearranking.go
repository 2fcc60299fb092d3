package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The yearranking row of `ecinema perf`: a national year of box-office data
// written set-based into the projection tables (the registry rows, then
// screenings, screenings_daily and sales_daily month by month, so that the
// rollup triggers run as they do on the write path, one statement at a
// time), then the ranking API timed through HTTP for every period kind and
// filter.
//
// Shape: 500 cinemas over the 17 regions (skewed towards the first codes),
// 300 films released a year, evenly (a film plays about 8 weeks, newer
// films get more screenings), 12 screenings a cinema a day over about
// 7 films, 1–20 tickets a screening at 1,500–2,499 tenge: about 2.2 million
// screenings and 23 million tickets a year. The ranked year (perfYear) has
// screenings rows (halls); the year before has only the daily rollups (the
// ranking reads only its sales, for the previous period).
const perfYear = 2025

const (
	perfYearRegistry = `
INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES
  ('yr-ex', 1, 'exhibitor', 'Year Exhibitor', '000000000000', 0),
  ('yr-pr', 1, 'producer', 'Year Producer', '000000000000', 0),
  ('yr-di', 1, 'distributor', 'Year Distributor', '000000000000', 0)
ON CONFLICT DO NOTHING;
INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
SELECT 'yr-c' || lpad(i::text, 3, '0'), 1, 'Year cinema ' || i, 'yr-ex', r.code, 'City', true, 0
FROM generate_series(0, 499) i
JOIN (SELECT code, (row_number() OVER (ORDER BY code) - 1)::int AS k, count(*) OVER ()::int AS n FROM regions) r
  ON r.k = floor(r.n * power(((i::bigint * 2654435761) % 4294967296) / 4294967296.0, 2))::int
ON CONFLICT DO NOTHING`
	perfYearFilms = `
INSERT INTO films (id, version, title_kk, title_ru, title_en, origin, countries, release_date, runtime_min, age_rating,
  certificate_number, certificate_valid_from, certificate_valid_to, producer_id, distributor_id,
  distribution_fee_pct, recoupable_expenses, royalty_pct, entry_seq)
SELECT 'yr-f' || lpad(j::text, 4, '0'), 1, 'Film ' || j, 'Фильм ' || j, 'Film ' || j,
  CASE WHEN j % 20 < 3 THEN 'national' WHEN j % 20 = 3 THEN 'coproduction' ELSE 'foreign' END,
  ARRAY['KZ'], ($1::date + (j * 365 / 300)), 100, '12+', 'N-' || j, '2020-01-01', '2030-01-01', 'yr-pr', 'yr-di', 15, 0, 1, 0
FROM generate_series(0, 599) j
ON CONFLICT DO NOTHING`

	// One month ($2..$3) of screenings_daily picks: 12 picks a cinema and
	// day, each of a film among the ~46 playing (released in the last 8
	// weeks; film j is released on day j·365/300 after $1), newer ones more
	// often. The picks are written as screenings rows ($4) and counted into
	// screenings_daily, then sold into sales_daily.
	perfYearPicksTable = `CREATE TEMP TABLE IF NOT EXISTS yr_picks (cinema_id text, film_id text, box_office_day date, n int);
TRUNCATE yr_picks`
	perfYearPicks = `
INSERT INTO yr_picks
SELECT 'yr-c' || lpad(c::text, 3, '0'), 'yr-f' || lpad(j::text, 4, '0'), d::date, count(*)
FROM generate_series($2::date, $3::date, interval '1 day') d,
     generate_series(0, 499) c, generate_series(1, 12) k,
     LATERAL (SELECT ((d::date - $1::date) * 300 / 365) AS jmax) m,
     LATERAL (SELECT m.jmax - floor(46 * power(((c::bigint * 7919 + (d::date - $1::date) * 104729 + k * 1299709) * 2654435761 % 4294967296) / 4294967296.0, 2))::int AS j) p
WHERE p.j >= 0
GROUP BY 1, 2, 3`
	perfYearScreenings = `
INSERT INTO screenings (cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats)
SELECT p.cinema_id, p.film_id || '-' || p.box_office_day || '-' || g, 'h' || ((g + length(p.film_id) + extract(day FROM p.box_office_day)::int) % 4),
  p.film_id, (p.box_office_day + time '10:00' + g * interval '50 minutes') AT TIME ZONE 'Asia/Almaty',
  (p.box_office_day + time '12:00' + g * interval '50 minutes') AT TIME ZONE 'Asia/Almaty', p.box_office_day, '2D', 'kk', 0, 120
FROM yr_picks p, generate_series(1, p.n) g`
	perfYearScreeningsDaily = `
INSERT INTO screenings_daily (cinema_id, film_id, box_office_day, screenings) SELECT cinema_id, film_id, box_office_day, n FROM yr_picks`
	perfYearSales = `
INSERT INTO sales_daily (cinema_id, film_id, box_office_day, sale_date, gross, admissions)
SELECT cinema_id, film_id, box_office_day, box_office_day, a * (1500 + h % 1000), a
FROM (SELECT cinema_id, film_id, box_office_day,
             abs(hashtext(cinema_id || film_id || box_office_day)) AS h,
             n * (1 + abs(hashtext(film_id || box_office_day || cinema_id)) % 20) AS a
      FROM yr_picks) x`
)

// buildPerfYear writes the years perfYear-1 and perfYear (only January of
// perfYear-1 when !full: the close row's month); it reports the tickets and
// screenings written and how long it took.
func (p *perfServer) buildPerfYear(ctx context.Context, env *cmdEnv, full bool) (string, error) {
	t0 := time.Now()
	conn, err := p.owner.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	first := time.Date(perfYear-1, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := conn.Exec(ctx, perfYearRegistry); err != nil {
		return "", fmt.Errorf("perf: year registry: %w", err)
	}
	if _, err := conn.Exec(ctx, perfYearFilms, first); err != nil {
		return "", fmt.Errorf("perf: year films: %w", err)
	}
	end := time.Date(perfYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if !full {
		end = first.AddDate(0, 1, 0)
	}
	for m := first; m.Before(end); m = m.AddDate(0, 1, 0) {
		last := m.AddDate(0, 1, -1)
		if _, err := conn.Exec(ctx, perfYearPicksTable); err != nil {
			return "", err
		}
		if _, err := conn.Exec(ctx, perfYearPicks, first, m, last); err != nil {
			return "", fmt.Errorf("perf: year picks %s: %w", m.Format("2006-01"), err)
		}
		if m.Year() == perfYear {
			if _, err := conn.Exec(ctx, perfYearScreenings); err != nil {
				return "", fmt.Errorf("perf: year screenings %s: %w", m.Format("2006-01"), err)
			}
		}
		for _, q := range []string{perfYearScreeningsDaily, perfYearSales} {
			if _, err := conn.Exec(ctx, q); err != nil {
				return "", fmt.Errorf("perf: year rollups %s: %w", m.Format("2006-01"), err)
			}
		}
		fmt.Fprintf(env.stderr, "perf: year data %s written (%s)\n", m.Format("2006-01"), time.Since(t0).Round(time.Second))
	}
	for _, t := range []string{"screenings", "screenings_daily", "sales_daily", "boxoffice_daily"} {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
			return "", err
		}
	}
	from, to := time.Date(perfYear, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(perfYear, 12, 31, 0, 0, 0, 0, time.UTC)
	what := fmt.Sprint(perfYear)
	if !full {
		from, to, what = first, end.AddDate(0, 0, -1), first.Format("2006-01")+" only"
	}
	var tickets, screenings, salesRows int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(admissions), 0), count(*) FROM sales_daily WHERE box_office_day BETWEEN $1 AND $2`,
		from, to).Scan(&tickets, &salesRows); err != nil {
		return "", err
	}
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(screenings), 0) FROM screenings_daily WHERE box_office_day BETWEEN $1 AND $2`,
		from, to).Scan(&screenings); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %d tickets, %d screenings, %d sales_daily rows, 500 cinemas, 300 films a year; written in %.1f s",
		what, tickets, screenings, salesRows, time.Since(t0).Seconds()), nil
}

// perfRankingCase is one period kind: the query parameters of request i.
type perfRankingCase struct {
	name   string
	params func(i int) url.Values
}

func perfRankingCases() []perfRankingCase {
	jan1 := time.Date(perfYear, 1, 1, 0, 0, 0, 0, time.UTC)
	dayOf := func(i int) string { return jan1.AddDate(0, 0, (i*37)%365).Format("2006-01-02") }
	kind := func(k string) func(int) url.Values {
		return func(i int) url.Values { return url.Values{"period": {k}, "date": {dayOf(i)}} }
	}
	return []perfRankingCase{
		{"year", kind("year")},
		{"month", kind("month")},
		{"week", kind("week")},
		{"weekend", kind("weekend")},
		{"weekdays", kind("weekdays")},
		{"day", kind("day")},
		{"custom (3–11 months)", func(i int) url.Values {
			from := jan1.AddDate(0, 0, (i*13)%60)
			to := from.AddDate(0, 3+i%9, (i*7)%25)
			return url.Values{"period": {"custom"}, "from": {from.Format("2006-01-02")}, "to": {to.Format("2006-01-02")}}
		}},
	}
}

// perfRankingFilters are the filters every kind is timed with.
var perfRankingFilters = []url.Values{
	{},
	{"region": {"KZ-75"}},
	{"origin": {"national"}},
	{"region": {"KZ-71"}, "origin": {"foreign"}},
	{"by": {"admissions"}, "limit": {"100"}},
}

func perfFilterName(f url.Values) string {
	if len(f) == 0 {
		return "no filter"
	}
	var parts []string
	for _, k := range []string{"region", "origin", "by", "limit"} {
		if v := f.Get(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// rankings times n requests of each period kind and filter through HTTP
// and returns one row a kind, and the p95 over everything.
func (p *perfServer) rankings(ctx context.Context, n int) ([][2]string, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(v url.Values) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/v1/boxoffice/rankings?"+v.Encode(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+p.adminKey)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("perf: rankings %s: %d %s", v.Encode(), resp.StatusCode, body)
		}
		return nil
	}
	var out [][2]string
	var all []time.Duration
	for _, c := range perfRankingCases() {
		var cells []string
		var kind []time.Duration
		for _, f := range perfRankingFilters {
			params := func(i int) url.Values {
				v := c.params(i)
				for k, x := range f {
					v[k] = x
				}
				return v
			}
			if err := get(params(n)); err != nil { // warm, and check
				return nil, err
			}
			lat := make([]time.Duration, 0, n)
			for i := range n {
				t0 := time.Now()
				if err := get(params(i)); err != nil {
					return nil, err
				}
				lat = append(lat, time.Since(t0))
			}
			kind, all = append(kind, lat...), append(all, lat...)
			cells = append(cells, fmt.Sprintf("%s %s/%s", perfFilterName(f), perfPct(lat, 0.50), perfPct(lat, 0.95)))
		}
		out = append(out, [2]string{"year ranking: " + c.name + ", " + fmt.Sprint(n) + " requests a filter",
			fmt.Sprintf("p50 %s, p95 %s, max %s over %d requests; p50/p95 by filter: %s",
				perfPct(kind, 0.50), perfPct(kind, 0.95), perfPct(kind, 1), len(kind), strings.Join(cells, "; "))})
	}
	out = append(out, [2]string{"year ranking: every kind and filter", fmt.Sprintf("p50 %s, p95 %s, max %s over %d requests",
		perfPct(all, 0.50), perfPct(all, 0.95), perfPct(all, 1), len(all))})
	return out, nil
}

// perfPct is the p-quantile of lat in milliseconds (p = 1: the maximum).
func perfPct(lat []time.Duration, p float64) string {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	d := s[min(len(s)-1, int(p*float64(len(s))))]
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
