package settlement

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/demo"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/tabular"
)

// BenchmarkNationalMonth settles a national month: the demo registry written
// through registry.Service and the sales rollup of the demo plan for
// December 2025 and January 2026 at scale 1 (about 60k tickets a day, the
// same rows ingest writes) copied into sales_daily. It measures the
// statement of the busiest producer and exhibitor, closing December and
// then January, and January's closed statement. Run with -bench National
// -benchtime 1x.
func BenchmarkNationalMonth(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	pool := pgtest.Pool(b, url)
	owner := pgtest.OwnerPool(b, url)
	wctx, cancel := context.WithCancel(ctx)
	wr := ledger.NewWriter(pool, ledger.WriterConfig{})
	done := make(chan struct{})
	go func() { defer close(done); wr.Run(wctx) }()
	b.Cleanup(func() { cancel(); <-done })

	first, last := date(2025, 12, 1), date(2026, 1, 31)
	w := demo.NewWorld(1, first, last)
	reg := registry.NewService(pool, wr)
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
	days := int(last.Sub(first).Hours()/24) + 1
	workers := runtime.GOMAXPROCS(0)
	sales := make([]map[demo.SalesKey]*demo.SalesAgg, workers)
	var wg sync.WaitGroup
	for k := range workers {
		sales[k] = map[demo.SalesKey]*demo.SalesAgg{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			scr := map[demo.ScreeningKey]int{}
			for d := k; d < days; d += workers {
				for ci := range w.Cinemas {
					demo.Rollup(demo.PlanDay(1, &w, ci, first.AddDate(0, 0, d), 1, false), sales[k], scr)
				}
			}
		}()
	}
	wg.Wait()
	var rows [][]any
	var tickets int64
	prodGross, exhGross := map[string]int64{}, map[string]int64{}
	filmProducer, cinemaExh := map[string]string{}, map[string]string{}
	for _, f := range w.Films {
		filmProducer[f.ID] = f.ProducerID
	}
	for _, c := range w.Cinemas {
		cinemaExh[c.ID] = c.ExhibitorID
	}
	for k := range workers {
		for key, a := range sales[k] {
			rows = append(rows, []any{key.CinemaID, key.FilmID, key.BoxOfficeDay, key.SaleDay, a.Gross, a.Admissions})
			tickets += a.Admissions
			if key.BoxOfficeDay.Month() == time.January {
				prodGross[filmProducer[key.FilmID]] += a.Gross.IntPart()
				exhGross[cinemaExh[key.CinemaID]] += a.Gross.IntPart()
			}
		}
	}
	if _, err := owner.CopyFrom(ctx, pgx.Identifier{"sales_daily"}, []string{"cinema_id", "film_id", "box_office_day", "sale_date", "gross", "admissions"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	owner.Exec(ctx, "VACUUM ANALYZE sales_daily")
	top := func(m map[string]int64) string {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return m[ids[i]] > m[ids[j]] })
		return ids[0]
	}
	producer, exhibitor := top(prodGross), top(exhGross)
	b.Logf("%d films, %d cinemas, %d sales_daily rows, %d admissions over %d days; top producer %s, top exhibitor %s",
		len(w.Films), len(w.Cinemas), len(rows), tickets, days, producer, exhibitor)
	svc := NewService(pool, wr, Config{Now: func() time.Time { return date(2026, 11, 25) }})
	jan := StatementQuery{From: date(2026, 1, 1), To: date(2026, 1, 31)}
	stmt := func(b *testing.B, party string) {
		q := jan
		q.PartyID = party
		var st *Statement
		for b.Loop() {
			var err error
			if st, err = svc.Statement(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(st.Lines)), "lines")
	}
	b.Run("statement_open/producer", func(b *testing.B) { stmt(b, producer) })
	b.Run("statement_open/exhibitor", func(b *testing.B) { stmt(b, exhibitor) })
	closed := map[string]time.Duration{}
	closeLines := map[string]int{}
	for _, m := range []time.Time{date(2025, 12, 1), date(2026, 1, 1)} {
		name := "close/" + month(m)
		b.Run(name, func(b *testing.B) {
			if _, ok := closed[name]; !ok {
				t0 := time.Now()
				res, err := svc.ClosePeriod(ctx, "system", m)
				if err != nil {
					b.Fatal(err)
				}
				closed[name], closeLines[name] = time.Since(t0), res.Body.Lines
			}
			b.ReportMetric(closed[name].Seconds(), "s/close")
			b.ReportMetric(float64(closeLines[name]), "lines")
		})
	}
	b.Run("statement_closed/producer", func(b *testing.B) { stmt(b, producer) })
	b.Run("statement_closed/exhibitor", func(b *testing.B) { stmt(b, exhibitor) })
	st, err := svc.Statement(ctx, StatementQuery{PartyID: exhibitor, From: jan.From, To: jan.To})
	if err != nil {
		b.Fatal(err)
	}
	for _, ex := range []struct {
		name  string
		write func(io.Writer) error
	}{{"csv", func(w io.Writer) error { return st.WriteCSV(w, tabular.CSVOptions{}) }}, {"xlsx", st.WriteXLSX}, {"pdf", st.WritePDF}} {
		b.Run("export_exhibitor/"+ex.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := ex.write(&buf); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}
