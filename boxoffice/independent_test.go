package boxoffice

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/demo"
	"ecinema/internal/pgtest"
)

// Plain aggregates over the tickets and screenings tables, independent of
// the rollups and of ingest's stored box_office_day: the box-office day is
// recomputed from the screening's start (local time minus six hours).
const (
	qPlainFilms = `
WITH t AS (
  SELECT t.film_id, t.cinema_id, t.price, t.refunded_at,
         ((s.starts_at AT TIME ZONE 'Asia/Almaty') - interval '6 hours')::date AS bod
  FROM tickets t JOIN screenings s ON s.cinema_id = t.cinema_id AND s.id = t.screening_id
)
SELECT t.film_id, coalesce(sum(t.price) FILTER (WHERE t.refunded_at IS NULL), 0),
       count(*) FILTER (WHERE t.refunded_at IS NULL)
FROM t JOIN cinemas c ON c.id = t.cinema_id JOIN films f ON f.id = t.film_id
WHERE t.bod BETWEEN $1 AND $2 AND ($3 = '' OR c.region = $3) AND ($4 = '' OR f.origin = $4)
GROUP BY t.film_id`
	qPlainScreenings = `
SELECT s.film_id, count(*), count(DISTINCT s.cinema_id)
FROM screenings s JOIN cinemas c ON c.id = s.cinema_id JOIN films f ON f.id = s.film_id
WHERE ((s.starts_at AT TIME ZONE 'Asia/Almaty') - interval '6 hours')::date BETWEEN $1 AND $2
  AND ($3 = '' OR c.region = $3) AND ($4 = '' OR f.origin = $4)
GROUP BY s.film_id`
)

type plainFilm struct {
	gross      decimal.Decimal
	admissions int64
	screenings int64
	cinemas    int64
}

func plainAggregate(t *testing.T, pool *pgxpool.Pool, from, to time.Time, region, origin string) map[string]*plainFilm {
	t.Helper()
	ctx := context.Background()
	out := map[string]*plainFilm{}
	rows, err := pool.Query(ctx, qPlainFilms, from, to, region, origin)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		f := &plainFilm{}
		if err := rows.Scan(&id, &f.gross, &f.admissions); err != nil {
			t.Fatal(err)
		}
		out[id] = f
	}
	rows.Close()
	rows, err = pool.Query(ctx, qPlainScreenings, from, to, region, origin)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var n, c int64
		if err := rows.Scan(&id, &n, &c); err != nil {
			t.Fatal(err)
		}
		if out[id] == nil {
			out[id] = &plainFilm{}
		}
		out[id].screenings, out[id].cinemas = n, c
	}
	rows.Close()
	return out
}

// plainRanking ranks from the plain aggregate: films with positive net
// admissions, by the same documented order.
func plainRanking(m map[string]*plainFilm, by By) []figures {
	var out []figures
	for id, f := range m {
		if f.admissions > 0 {
			out = append(out, figures{FilmID: id, Gross: f.gross, Admissions: f.admissions, Screenings: f.screenings, Cinemas: f.cinemas})
		}
	}
	order(out, by)
	return out
}

var demoNow = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

// loadDemo loads a small demo set (10 days to 2026-03-19) through the real
// write path.
func loadDemo(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.NewPool(t)
	w := startWriter(t, pool)
	st, err := demo.Load(t.Context(), pool, w, demo.Config{Days: 10, Scale: 0.03, Seed: 42, Now: func() time.Time { return demoNow }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Tickets < 5000 || st.Refunds == 0 || st.LateBatches == 0 {
		t.Fatalf("demo set too thin for the check: %+v", st)
	}
	return pool
}

// TestRankingsEqualPlainAggregateOverTickets is the independent check of
// the issue: for a demo data set, every ranking and share answer from the
// rollups equals what a plain SQL aggregate over the tickets gives.
func TestRankingsEqualPlainAggregateOverTickets(t *testing.T) {
	pool := loadDemo(t)
	svc := NewService(pool)
	ctx := t.Context()

	// The derived rollup boxoffice_daily (kept by the trigger of migration
	// 0005) equals sales_daily summed per film, day and region.
	diff, err := svc.checkRollup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Errorf("boxoffice_daily differs from sales_daily in %d rows", diff)
	}
	// Every rollup (migration 0019) equals its rebuild, as verify --deep
	// checks it.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := (deepCheck{}).Compare(ctx, tx); err != nil {
		t.Errorf("deep check of the demo's rollups: %v", err)
	}
	tx.Rollback(ctx)
	type tc struct {
		kind   Kind
		date   string
		region string
		origin string
		by     By
	}
	cases := []tc{
		{Day, "2026-03-14", "", "", ByGross}, // a Saturday
		{Day, "2026-03-16", "KZ-75", "", ByGross},
		{Weekend, "2026-03-16", "", "", ByGross},
		{Week, "2026-03-19", "", "", ByGross},
		{Week, "2026-03-19", "", "", ByAdmissions},
		{Week, "2026-03-19", "KZ-71", "", ByGross},
		{Week, "2026-03-19", "", "national", ByGross},
		{Month, "2026-03-01", "", "", ByGross},
		{Month, "2026-03-01", "KZ-79", "foreign", ByAdmissions},
	}
	checked := 0
	for _, c := range cases {
		name := fmt.Sprintf("%s %s %s %s %s", c.kind, c.date, c.region, c.origin, c.by)
		p := mustPeriod(t, c.kind, c.date)
		r, err := svc.Rankings(ctx, RankingsQuery{Period: p, By: c.by, Limit: MaxLimit, Region: c.region, Origin: c.origin})
		if err != nil {
			t.Fatal(err)
		}
		cur := plainAggregate(t, pool, p.From, p.To, c.region, c.origin)
		want := plainRanking(cur, c.by)
		prevRanks := ranks(plainRanking(plainAggregate(t, pool, p.previous().From, p.previous().To, c.region, c.origin), c.by))
		cum := plainAggregate(t, pool, d("2000-01-01"), p.To, c.region, "")
		if len(r.Items) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d items, plain aggregate has %d", name, len(r.Items), len(want))
		}
		var totalGross decimal.Decimal
		var totalAdm, totalScr int64
		for _, f := range cur {
			totalGross = totalGross.Add(f.gross)
			totalAdm += f.admissions
			totalScr += f.screenings
		}
		if !r.Totals.Gross.Equal(totalGross) || r.Totals.Admissions != totalAdm || r.Totals.Screenings != totalScr {
			t.Errorf("%s: totals %s/%d/%d, plain %s/%d/%d", name, r.Totals.Gross, r.Totals.Admissions, r.Totals.Screenings, totalGross, totalAdm, totalScr)
		}
		gs := make([]decimal.Decimal, len(want))
		for i, f := range want {
			gs[i] = f.Gross
		}
		shares := sharesPct(gs)
		sum := decimal.Zero
		for i, it := range r.Items {
			w := want[i]
			cf := cum[w.FilmID]
			before := cf.admissions - w.Admissions
			wantNew := before == 0 && cf.gross.Sub(w.Gross).IsZero()
			wantRC := rankChange(prevRanks, w.FilmID, i+1)
			if it.FilmID != w.FilmID || !it.Gross.Equal(w.Gross) || it.Admissions != w.Admissions ||
				it.Screenings != w.Screenings || it.Cinemas != w.Cinemas ||
				!it.CumulativeGross.Equal(cf.gross) || it.CumulativeAdmissions != cf.admissions ||
				it.New != wantNew || fmt.Sprint(deref(it.RankChange)) != fmt.Sprint(deref(wantRC)) ||
				!it.GrossSharePct.Equal(shares[i]) {
				t.Errorf("%s rank %d: got %s\n   plain %s %s %d scr %d cin %d cum %s/%d new %v rc %v share %s",
					name, i+1, row(it), w.FilmID, w.Gross, w.Admissions, w.Screenings, w.Cinemas, cf.gross, cf.admissions, wantNew, deref(wantRC), shares[i])
			}
			sum = sum.Add(it.GrossSharePct)
			checked++
		}
		if !sum.Equal(decimal.NewFromInt(100)) {
			t.Errorf("%s: shares sum to %s", name, sum)
		}
	}
	t.Logf("%d ranked items equal the plain aggregate over tickets", checked)

	// Shares per month (March clipped) against plain sums by origin.
	for _, region := range []string{"", "KZ-75"} {
		rep, err := svc.Share(ctx, ShareQuery{From: d("2026-03-10"), To: d("2026-03-19"), GroupBy: Month, Region: region})
		if err != nil {
			t.Fatal(err)
		}
		g := rep.Groups[0]
		films := plainAggregate(t, pool, d("2026-03-10"), d("2026-03-19"), region, "")
		var origins = map[string]string{}
		rows, err := pool.Query(ctx, `SELECT id, origin FROM films`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, o string
			rows.Scan(&id, &o)
			origins[id] = o
		}
		rows.Close()
		byOrigin := map[string]*plainFilm{"national": {}, "coproduction": {}, "foreign": {}}
		for id, f := range films {
			if f.admissions <= 0 {
				continue
			}
			o := byOrigin[origins[id]]
			o.gross = o.gross.Add(f.gross)
			o.admissions += f.admissions
		}
		for _, o := range g.Origins {
			w := byOrigin[o.Origin]
			if !o.Gross.Equal(w.gross) || o.Admissions != w.admissions {
				t.Errorf("share %q %s: %s/%d, plain %s/%d", region, o.Origin, o.Gross, o.Admissions, w.gross, w.admissions)
			}
		}
		top := plainRanking(films, ByGross)
		nat := 0
		for i, f := range top {
			if i < 10 && origins[f.FilmID] == "national" {
				nat++
			}
		}
		if g.NationalInTop10 != nat {
			t.Errorf("share %q: national in top 10 = %d, plain %d", region, g.NationalInTop10, nat)
		}
		t.Logf("share %q March: national %s%% coproduction %s%% foreign %s%%, national in top 10: %d", region,
			g.Origins[0].GrossSharePct.StringFixed(2), g.Origins[1].GrossSharePct.StringFixed(2), g.Origins[2].GrossSharePct.StringFixed(2), g.NationalInTop10)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
