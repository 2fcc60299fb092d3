package settlement

import (
	"context"
	"ecinema/internal/pgtest"
	"fmt"
	"testing"
	"time"
)

func BenchmarkSplitLine(b *testing.B) {
	parts := []VATPart{{Rate: d("12"), Gross: d("2500.00")}, {Rate: d("16"), Gross: d("987654.32")}}
	terms := Terms{RoyaltyPct: d("1"), DistributorPct: d("55"), DistributionFeePct: d("15")}
	for b.Loop() {
		splitLine(parts, terms)
	}
}

// BenchmarkStatementAndClose measures a producer statement and the close of
// a month over a rollup of 40 cinemas × 20 films × 31 days × 2 sale dates
// (49,600 sales_daily rows, 12,400 lines).
func BenchmarkStatementAndClose(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	for c := 0; c < 40; c++ {
		f.exec(`INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
		  VALUES ($1,1,$1,'exh-1','KZ-75','Алматы',$2,0)`, fmt.Sprintf("bc-%02d", c), c%5 != 0)
		f.exec(`INSERT INTO cinema_ownership (cinema_id, exhibitor_id, entry_seq) VALUES ($1,'exh-1',0)`, fmt.Sprintf("bc-%02d", c))
	}
	for fi := 0; fi < 20; fi++ {
		f.film(fmt.Sprintf("bf-%02d", fi), "prod-a", "2026-01-01", "100000.00")
	}
	f.exec(`INSERT INTO sales_daily (cinema_id, film_id, box_office_day, sale_date, gross, admissions)
	  SELECT c.id, fl.id, d::date, (d - s * interval '1 day')::date, (1000 + (hashtext(c.id||fl.id||d::text) & 4095))::numeric / 100 * 100, 3
	  FROM cinemas c, films fl, generate_series('2026-01-01'::date, '2026-01-31', '1 day') d, generate_series(0,1) s
	  WHERE c.id LIKE 'bc-%' AND fl.id LIKE 'bf-%'`)
	var rows int
	pgtest.Row(b, f.pool, `SELECT count(*) FROM sales_daily`).Scan(&rows)
	b.Run(fmt.Sprintf("statement_producer_%d_rows", rows), func(b *testing.B) {
		for b.Loop() {
			if _, err := f.svc.Statement(ctx, StatementQuery{PartyID: "prod-a", From: date(2026, 1, 1), To: date(2026, 1, 31)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	var closeTook time.Duration
	var closeLines int
	b.Run("close_month", func(b *testing.B) {
		if closeTook == 0 { // a month closes once; later rounds report that run
			start := time.Now()
			res, err := f.svc.ClosePeriod(ctx, "system", date(2026, 1, 1))
			if err != nil {
				b.Fatal(err)
			}
			closeTook, closeLines = time.Since(start), res.Body.Lines
		}
		b.ReportMetric(float64(closeLines), "lines")
		b.ReportMetric(closeTook.Seconds(), "s/close")
	})
	b.Run("statement_closed_month", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.svc.Statement(ctx, StatementQuery{PartyID: "prod-a", From: date(2026, 1, 1), To: date(2026, 1, 31)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
