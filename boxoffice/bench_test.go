package boxoffice

import (
	"context"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/demo"
	"ecinema/internal/pgtest"
	"ecinema/registry"
)

// Benchmark data set. With ECINEMA_BENCH_DATABASE_URL set (a migrated
// database, URL of a superuser), the benchmark reads that database when it
// has cinemas (for example one loaded through the real write path with
// `ecinema demo --days 365 --scale 1 --last 2025-12-31`), and otherwise
// builds the data set below into it and keeps it for the next run.
// Without it, it builds the data set in a fresh test database: the demo registry written
// through registry.Service, and the rollups of the demo plan for 2025
// (demo.PlanDay at ECINEMA_BENCH_SCALE, default 1, aggregated by
// demo.Rollup — the same rows ingest writes, which demo's tests check)
// copied into sales_daily and screenings_daily. Writing the 22 million
// tickets of a year through ingest takes hours on a small machine, and the
// queries read only the rollups.
const benchYear = 2025

func benchPool(b *testing.B) *pgxpool.Pool {
	b.Helper()
	scale := 1.0
	if s := os.Getenv("ECINEMA_BENCH_SCALE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			b.Fatal(err)
		}
		scale = f
	}
	start := time.Now()
	ctx := context.Background()
	url := os.Getenv("ECINEMA_BENCH_DATABASE_URL")
	if url == "" {
		url = pgtest.NewDatabase(b)
	}
	pool := pgtest.Pool(b, url)
	owner := pgtest.OwnerPool(b, url)
	var cinemas int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM cinemas").Scan(&cinemas); err != nil {
		b.Fatal(err)
	}
	if cinemas > 0 {
		var rows int64
		pgtest.Row(b, pool, "SELECT count(*) FROM sales_daily").Scan(&rows)
		b.Logf("bench data: existing database, %d cinemas, %d sales_daily rows", cinemas, rows)
		return pool
	}
	first, last := time.Date(benchYear, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(benchYear, 12, 31, 0, 0, 0, 0, time.UTC)
	w := demo.NewWorld(1, first, last)
	reg := registry.NewService(pool, startWriter(b, pool))
	for _, p := range w.Parties {
		if _, err := reg.PutParty(ctx, demo.Actor, p.ID, p); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range w.Cinemas {
		if _, err := reg.PutCinema(ctx, demo.Actor, c.ID, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range w.Films {
		if _, err := reg.PutFilm(ctx, demo.Actor, f.ID, f.Film); err != nil {
			b.Fatal(err)
		}
	}
	// Plan the year on every core, one rollup per worker, then merge.
	days := int(last.Sub(first).Hours()/24) + 1
	workers := runtime.GOMAXPROCS(0)
	sales := make([]map[demo.SalesKey]*demo.SalesAgg, workers)
	scr := make([]map[demo.ScreeningKey]int, workers)
	var wg sync.WaitGroup
	for k := range workers {
		sales[k], scr[k] = map[demo.SalesKey]*demo.SalesAgg{}, map[demo.ScreeningKey]int{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := k; d < days; d += workers {
				day := first.AddDate(0, 0, d)
				for ci := range w.Cinemas {
					demo.Rollup(demo.PlanDay(1, &w, ci, day, scale, false), sales[k], scr[k])
				}
			}
		}()
	}
	wg.Wait()
	// Days never share keys across workers (the box-office day is in the
	// key), so the maps are disjoint.
	var salesRows, scrRows [][]any
	var tickets int64
	for k := range workers {
		for key, a := range sales[k] {
			salesRows = append(salesRows, []any{key.CinemaID, key.FilmID, key.BoxOfficeDay, key.SaleDay, a.Gross, a.Admissions})
			tickets += a.Admissions
		}
		for key, n := range scr[k] {
			scrRows = append(scrRows, []any{key.CinemaID, key.FilmID, key.BoxOfficeDay, n})
		}
	}
	if _, err := owner.CopyFrom(ctx, pgx.Identifier{"sales_daily"}, []string{"cinema_id", "film_id", "box_office_day", "sale_date", "gross", "admissions"}, pgx.CopyFromRows(salesRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := owner.CopyFrom(ctx, pgx.Identifier{"screenings_daily"}, []string{"cinema_id", "film_id", "box_office_day", "screenings"}, pgx.CopyFromRows(scrRows)); err != nil {
		b.Fatal(err)
	}
	for _, t := range []string{"sales_daily", "screenings_daily", "boxoffice_daily"} {
		if _, err := owner.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("bench data: %d films, %d cinemas, scale %g, %d net admissions in %d, %d sales_daily rows, %d screenings_daily rows, built in %s",
		len(w.Films), len(w.Cinemas), scale, tickets, benchYear, len(salesRows), len(scrRows), time.Since(start).Round(time.Second))
	return pool
}

// BenchmarkBoxOffice measures rankings for a day, week, month and year and
// the share query over a year by month, reporting p50 and p95 latency in
// milliseconds. It runs only with -bench (make bench).
func BenchmarkBoxOffice(b *testing.B) {
	pool := benchPool(b)
	svc := NewService(pool)
	ctx := context.Background()
	// Query dates spread over the data set's span; the year is the last day's.
	var first, last time.Time
	if err := pool.QueryRow(ctx, "SELECT min(box_office_day), max(box_office_day) FROM boxoffice_daily").Scan(&first, &last); err != nil {
		b.Fatal(err)
	}
	span := int(last.Sub(first).Hours()/24) + 1
	jan1 := time.Date(last.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	b.Logf("box-office days %s..%s", first.Format(DateLayout), last.Format(DateLayout))
	rank := func(kind Kind) func(i int) error {
		return func(i int) error {
			day := first.AddDate(0, 0, (i*37)%span)
			p, err := NewPeriod(kind, day, time.Time{}, time.Time{})
			if err != nil {
				return err
			}
			_, err = svc.Rankings(ctx, RankingsQuery{Period: p})
			return err
		}
	}
	cases := []struct {
		name string
		fn   func(i int) error
	}{
		{"rankings/day", rank(Day)},
		{"rankings/weekend", rank(Weekend)},
		{"rankings/week", rank(Week)},
		{"rankings/month", rank(Month)},
		{"rankings/year", rank(Year)},
		{"rankings/year-region", func(i int) error {
			p, _ := NewPeriod(Year, jan1, time.Time{}, time.Time{})
			_, err := svc.Rankings(ctx, RankingsQuery{Period: p, Region: []string{"KZ-75", "KZ-71", "KZ-35"}[i%3]})
			return err
		}},
		{"share/span-by-month", func(i int) error {
			_, err := svc.Share(ctx, ShareQuery{From: first, To: last, GroupBy: Month})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if err := c.fn(0); err != nil { // warm the cache and check
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := c.fn(i); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
		})
	}
}
