package boxoffice

import (
	"context"
	"sort"
	"testing"
	"time"

	"ecinema/internal/pgtest"
)

// BenchmarkSalesDailyWrite measures the write-path cost of the monthly
// rollups: the statement ingest runs once per group of sales
// (sqlSalesDailyAddMany's shape, 60 rows over 40 cinemas, 20 films and
// 3 days) with the trigger function now in force (migration 0022:
// boxoffice_daily, the two monthly and the two weekly rollups), with the
// function of migration 0020 (boxoffice_daily and the two monthly rollups)
// and with that of migration 0005 (boxoffice_daily only), in turn, in the
// same database. It reports the median ms a statement of each.
func BenchmarkSalesDailyWrite(b *testing.B) {
	url := pgtest.NewDatabase(b)
	owner := pgtest.OwnerPool(b, url)
	ctx := context.Background()
	fn0005 := migrationFunction(b, "0005_boxoffice.sql", "boxoffice_daily_apply")
	fn0020 := migrationFunction(b, "0020_boxoffice_cheaper_writes.sql", "boxoffice_daily_apply")
	var newFn string
	if err := owner.QueryRow(ctx, `SELECT pg_get_functiondef('boxoffice_daily_apply'::regproc)`).Scan(&newFn); err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES ('ex', 1, 'exhibitor', 'E', '000000000000', 0);
INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
SELECT 'c' || i, 1, 'C', 'ex', (SELECT code FROM regions ORDER BY code OFFSET i % 17 LIMIT 1), 'X', true, 0 FROM generate_series(0, 39) i`); err != nil {
		b.Fatal(err)
	}
	const stmt = `INSERT INTO sales_daily AS d (cinema_id, film_id, box_office_day, sale_date, gross, admissions)
SELECT 'c' || (($1 * 7 + g) % 40), 'f' || (($1 + g) % 20), date '2026-03-01' + (g % 3), date '2026-03-01' + (g % 3), 1500 * (1 + g % 4), 1 + g % 4
FROM generate_series(1, 60) g
ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE
SET gross = d.gross + EXCLUDED.gross, admissions = d.admissions + EXCLUDED.admissions`
	lat := map[string][]time.Duration{}
	for i := 0; i < b.N; i++ {
		for _, fn := range []struct{ name, def string }{{"0005", fn0005}, {"0020", fn0020}, {"0022", newFn}} {
			if _, err := owner.Exec(ctx, fn.def); err != nil {
				b.Fatal(err)
			}
			for k := range 20 {
				t0 := time.Now()
				if _, err := owner.Exec(ctx, stmt, i*20+k); err != nil {
					b.Fatal(err)
				}
				lat[fn.name] = append(lat[fn.name], time.Since(t0))
			}
		}
	}
	for name, l := range lat {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		b.ReportMetric(float64(l[len(l)/2].Microseconds())/1000, "ms-"+name)
		b.Logf("trigger of migration %s: median %.2f ms a 60-row statement over %d", name, float64(l[len(l)/2].Microseconds())/1000, len(l))
	}
}
