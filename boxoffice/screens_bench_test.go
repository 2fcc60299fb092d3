package boxoffice

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"ecinema/internal/pgtest"
)

// BenchmarkScreeningRegistration measures what a screening registration
// costs PostgreSQL: ingest's four statements for one new screening
// (qRegLeave, qRegUpsert, qRegDailyUpdate, qRegDailyInsert) in their own
// transaction, into a film-day that already has 30 screenings (10 cinemas)
// and into one that has 1,000 (100 cinemas, 10 halls each), the month's
// other days holding 100 screenings each. The trigger function of
// migration 0019 (every statement refreshes the film-day, its week and its
// month from the sources) and the one now in force (0023: deltas) take
// turns in the same database, 20 registrations each per film-day and turn.
// It reports the median ms a registration of each.
func BenchmarkScreeningRegistration(b *testing.B) {
	url := pgtest.NewDatabase(b)
	owner := pgtest.OwnerPool(b, url)
	ctx := context.Background()
	fn0019 := migrationFunction(b, "0019_boxoffice_monthly.sql", "boxoffice_screens_apply")
	// No rollup at all, for the floor (the rollups are then stale until
	// 0019's next refresh of the film-day).
	const fnNone = `CREATE OR REPLACE FUNCTION boxoffice_screens_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`
	var fnNow string
	pgtest.Row(b, owner, `SELECT pg_get_functiondef('boxoffice_screens_apply'::regproc)`).Scan(&fnNow)
	if _, err := owner.Exec(ctx, `
INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES ('ex', 1, 'exhibitor', 'E', '000000000000', 0);
INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
SELECT 'c' || i, 1, 'C', 'ex', (SELECT code FROM regions ORDER BY code OFFSET i % 17 LIMIT 1), 'X', true, 0 FROM generate_series(0, 99) i;
-- The month of film f: 100 screenings a day (100 cinemas), 1,000 on
-- 2026-03-12 (10 halls each), 30 on 2026-03-19 (10 cinemas).
INSERT INTO screenings (cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats)
SELECT 'c' || c, 'p' || d || '-' || c || '-' || h, 'h' || h, 'f', dd + time '12:00', dd + time '14:00', dd, '2D', 'kk', 0, 100
FROM generate_series(1, 31) d, generate_series(0, 99) c, generate_series(0, 9) h, LATERAL (SELECT date '2026-02-28' + d AS dd) x
WHERE CASE dd WHEN date '2026-03-12' THEN true WHEN date '2026-03-19' THEN c < 10 AND h < 3 ELSE h = 0 END;
INSERT INTO screenings_daily (cinema_id, film_id, box_office_day, screenings)
SELECT cinema_id, film_id, box_office_day, count(*) FROM screenings GROUP BY 1, 2, 3`); err != nil {
		b.Fatal(err)
	}
	lat := map[string][]time.Duration{}
	n := 0
	for b.Loop() {
		for _, fn := range []struct{ name, def string }{{"0019", fn0019}, {"0023", fnNow}, {"none", fnNone}} {
			if _, err := owner.Exec(ctx, fn.def); err != nil {
				b.Fatal(err)
			}
			for _, fd := range []struct {
				name  string
				day   time.Time
				halls int
			}{{"1000", d("2026-03-12"), 10}, {"30", d("2026-03-19"), 3}} {
				for k := range 20 {
					n++
					c, id, h := []string{fmt.Sprintf("c%d", k%10)}, []string{fmt.Sprintf("r%d", n)}, []string{fmt.Sprintf("h%d", k%fd.halls)}
					f, day, one := []string{"f"}, []time.Time{fd.day}, []int32{1}
					t0 := time.Now()
					tx, err := owner.Begin(ctx)
					if err != nil {
						b.Fatal(err)
					}
					for _, st := range []struct {
						q    string
						args []any
					}{
						{qRegLeave, []any{c, id}},
						{qRegUpsert, []any{c, id, h, f, day}},
						{qRegDailyUpdate, []any{c, f, day, one}},
						{qRegDailyInsert, []any{c, f, day, one}},
					} {
						if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
							b.Fatal(err)
						}
					}
					if err := tx.Commit(ctx); err != nil {
						b.Fatal(err)
					}
					lat[fn.name+"-"+fd.name] = append(lat[fn.name+"-"+fd.name], time.Since(t0))
				}
			}
		}
	}
	names := make([]string, 0, len(lat))
	for name := range lat {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		l := lat[name]
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		ms := float64(l[len(l)/2].Microseconds()) / 1000
		b.ReportMetric(ms, "ms-"+name)
		fn, size, _ := strings.Cut(name, "-")
		b.Logf("trigger of migration %s, film-day of %s screenings: median %.2f ms a registration over %d", fn, size, ms, len(l))
	}
}
