package boxoffice

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgtest"
	"ecinema/validate"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixtureSQL is a hand-built registry and rollup: two cinemas in Almaty
// (KZ-75) and Astana (KZ-71); films A national (released Thu 2026-01-08),
// B foreign (2026-01-01), C coproduction (2026-01-08), D foreign (released
// 2026-02-05, previews in January), E foreign whose only sales were all
// refunded (net zero). Week 2026-01-08..14 against the week before.
const fixtureSQL = `
INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES
  ('ex', 1, 'exhibitor', 'Exhibitor', '000000000000', 0),
  ('pr', 1, 'producer', 'Producer', '000000000000', 0),
  ('di', 1, 'distributor', 'Distributor', '000000000000', 0);
INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq) VALUES
  ('c1', 1, 'Almaty One', 'ex', 'KZ-75', 'Almaty', true, 0),
  ('c2', 1, 'Astana One', 'ex', 'KZ-71', 'Astana', true, 0);
INSERT INTO films (id, version, title_kk, title_ru, title_en, origin, countries, release_date, runtime_min, age_rating,
  certificate_number, certificate_valid_from, certificate_valid_to, producer_id, distributor_id,
  distribution_fee_pct, recoupable_expenses, royalty_pct, entry_seq)
SELECT f.id, 1, f.id || ' kk', f.id || ' ru', f.id || ' en', f.origin, ARRAY['KZ'], f.rel::date, 100, '12+',
  'N-' || f.id, '2025-01-01', '2027-01-01', 'pr', 'di', 15, 0, 1, 0
FROM (VALUES ('A', 'national', '2026-01-08'), ('B', 'foreign', '2026-01-01'), ('C', 'coproduction', '2026-01-08'),
             ('D', 'foreign', '2026-02-05'), ('E', 'foreign', '2026-01-08')) AS f(id, origin, rel);
INSERT INTO sales_daily (cinema_id, film_id, box_office_day, sale_date, gross, admissions) VALUES
  ('c1', 'B', '2026-01-03', '2026-01-03', 10000, 4),
  ('c2', 'B', '2026-01-04', '2026-01-04', 5000, 2),
  ('c1', 'D', '2026-01-05', '2026-01-05', 3000, 1),
  ('c1', 'A', '2026-01-08', '2026-01-07', 12000, 5),
  ('c1', 'A', '2026-01-08', '2026-01-08', 8000, 3),
  ('c2', 'A', '2026-01-09', '2026-01-09', 5000, 2),
  ('c1', 'B', '2026-01-10', '2026-01-10', 6000, 3),
  ('c1', 'C', '2026-01-11', '2026-01-11', 9000, 3),
  ('c2', 'D', '2026-01-12', '2026-01-12', 4000, 2),
  ('c2', 'E', '2026-01-12', '2026-01-12', 0, 0),
  ('c1', 'A', '2026-01-15', '2026-01-15', 7000, 3);
INSERT INTO screenings_daily (cinema_id, film_id, box_office_day, screenings) VALUES
  ('c1', 'B', '2026-01-03', 2), ('c2', 'B', '2026-01-04', 1), ('c1', 'D', '2026-01-05', 1),
  ('c1', 'A', '2026-01-08', 4), ('c2', 'A', '2026-01-09', 2), ('c1', 'B', '2026-01-10', 2),
  ('c1', 'C', '2026-01-11', 1), ('c2', 'D', '2026-01-12', 1), ('c2', 'E', '2026-01-12', 1),
  ('c2', 'C', '2026-01-13', 1), ('c1', 'A', '2026-01-15', 3);`

func fixture(t *testing.T) *Service {
	t.Helper()
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	if _, err := owner.Exec(context.Background(), fixtureSQL); err != nil {
		t.Fatal(err)
	}
	return NewService(pgtest.Pool(t, url))
}

func mustPeriod(t *testing.T, k Kind, day string) Period {
	t.Helper()
	p, err := NewPeriod(k, d(day), d(day), d(day))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// row renders an item compactly: id rank change new gross share adm scr cin cumgross cumadm.
func row(it RankItem) string {
	rc := "-"
	if it.RankChange != nil {
		rc = itoa(*it.RankChange)
	}
	nw := "old"
	if it.New {
		nw = "new"
	}
	return strings.Join([]string{it.FilmID, itoa(it.Rank), rc, nw, it.Gross.StringFixed(2), it.GrossSharePct.StringFixed(2),
		itoa(int(it.Admissions)), itoa(int(it.Screenings)), itoa(int(it.Cinemas)),
		it.CumulativeGross.StringFixed(2), itoa(int(it.CumulativeAdmissions))}, " ")
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestRankingsFixture(t *testing.T) {
	svc := fixture(t)
	ctx := t.Context()
	tests := []struct {
		name   string
		q      RankingsQuery
		totals string // gross adm screenings cinemas films
		want   []string
	}{
		{
			name:   "week by gross",
			q:      RankingsQuery{Period: mustPeriod(t, Week, "2026-01-10")},
			totals: "44000.00 18 12 2 4",
			want: []string{
				// A: presale on 01-07 counts on its box-office day 01-08; new release.
				"A 1 - new 25000.00 56.82 10 6 2 25000.00 10",
				"C 2 - new 9000.00 20.45 3 2 2 9000.00 3",
				// B was 1st the week before.
				"B 3 -2 old 6000.00 13.64 3 2 1 21000.00 9",
				// D previewed the week before (2nd).
				"D 4 -2 old 4000.00 9.09 2 1 1 7000.00 3",
			},
		},
		{
			name:   "week by admissions, limit 2",
			q:      RankingsQuery{Period: mustPeriod(t, Week, "2026-01-14"), By: ByAdmissions, Limit: 2},
			totals: "44000.00 18 12 2 4",
			want: []string{
				"A 1 - new 25000.00 56.82 10 6 2 25000.00 10",
				"C 2 - new 9000.00 20.45 3 2 2 9000.00 3",
			},
		},
		{
			name:   "region Astana: D is new there, B not ranked",
			q:      RankingsQuery{Period: mustPeriod(t, Week, "2026-01-08"), Region: "KZ-71"},
			totals: "9000.00 4 5 1 2",
			want: []string{
				"A 1 - new 5000.00 55.56 2 2 1 5000.00 2",
				"D 2 - new 4000.00 44.44 2 1 1 4000.00 2",
			},
		},
		{
			name:   "origin national",
			q:      RankingsQuery{Period: mustPeriod(t, Week, "2026-01-08"), Origin: "national"},
			totals: "25000.00 10 6 2 1",
			want:   []string{"A 1 - new 25000.00 100.00 10 6 2 25000.00 10"},
		},
		{
			name:   "day with presale",
			q:      RankingsQuery{Period: mustPeriod(t, Day, "2026-01-08")},
			totals: "20000.00 8 4 1 1",
			want:   []string{"A 1 - new 20000.00 100.00 8 4 1 20000.00 8"},
		},
		{
			name:   "next week: A keeps 1st, not new, cumulative grows",
			q:      RankingsQuery{Period: mustPeriod(t, Week, "2026-01-15")},
			totals: "7000.00 3 3 1 1",
			want:   []string{"A 1 0 old 7000.00 100.00 3 3 1 32000.00 13"},
		},
		{
			name:   "weekend 01-09..11",
			q:      RankingsQuery{Period: mustPeriod(t, Weekend, "2026-01-12")},
			totals: "20000.00 8 5 2 3",
			want: []string{
				"C 1 - new 9000.00 45.00 3 1 1 9000.00 3",
				"B 2 -1 old 6000.00 30.00 3 2 1 21000.00 9",
				"A 3 - old 5000.00 25.00 2 2 1 25000.00 10",
			},
		},
		{
			name:   "month",
			q:      RankingsQuery{Period: mustPeriod(t, Month, "2026-01-20")},
			totals: "69000.00 28 19 2 4",
			want: []string{
				"A 1 - new 32000.00 46.38 13 9 2 32000.00 13",
				"B 2 - new 21000.00 30.43 9 5 2 21000.00 9",
				"C 3 - new 9000.00 13.04 3 2 2 9000.00 3",
				"D 4 - new 7000.00 10.15 3 2 2 7000.00 3",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := svc.Rankings(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			tot := strings.Join([]string{r.Totals.Gross.StringFixed(2), itoa(int(r.Totals.Admissions)), itoa(int(r.Totals.Screenings)),
				itoa(int(r.Totals.Cinemas)), itoa(r.Totals.Films)}, " ")
			if tot != tt.totals {
				t.Errorf("totals = %s, want %s", tot, tt.totals)
			}
			if len(r.Items) != len(tt.want) {
				for _, it := range r.Items {
					t.Log(row(it))
				}
				t.Fatalf("got %d items, want %d", len(r.Items), len(tt.want))
			}
			for i, it := range r.Items {
				if got := row(it); got != tt.want[i] {
					t.Errorf("item %d = %q\n          want %q", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestRankingsTitlesAndErrors(t *testing.T) {
	svc := fixture(t)
	r, err := svc.Rankings(t.Context(), RankingsQuery{Period: mustPeriod(t, Day, "2026-01-08")})
	if err != nil {
		t.Fatal(err)
	}
	it := r.Items[0]
	if it.Title != (Title{KK: "A kk", RU: "A ru", EN: "A en"}) || it.Origin != "national" || it.ReleaseDate != d("2026-01-08") {
		t.Errorf("film info %+v", it)
	}
	for _, tt := range []struct {
		q     RankingsQuery
		field string
	}{
		{RankingsQuery{Period: r.Query.Period, Region: "KZ-00"}, "region"},
		{RankingsQuery{Period: r.Query.Period, Origin: "martian"}, "origin"},
		{RankingsQuery{Period: r.Query.Period, By: "stars"}, "by"},
		{RankingsQuery{Period: r.Query.Period, Limit: MaxLimit + 1}, "limit"},
	} {
		_, err := svc.Rankings(t.Context(), tt.q)
		qe, ok := err.(*validate.Errors)
		if !ok || qe.Field() != tt.field {
			t.Errorf("%+v: err = %v, want field %s", tt.q, err, tt.field)
		}
	}
}

func TestShareFixture(t *testing.T) {
	svc := fixture(t)
	r, err := svc.Share(t.Context(), ShareQuery{From: d("2026-01-01"), To: d("2026-02-10"), GroupBy: Month})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Groups) != 2 {
		t.Fatalf("groups %d", len(r.Groups))
	}
	jan, feb := r.Groups[0], r.Groups[1]
	// January: national A 32000/13, copro C 9000/3, foreign B 21000/9 + D 7000/3.
	want := []string{
		"national 32000.00 46.38 13 46.43 1",
		"coproduction 9000.00 13.04 3 10.71 1",
		"foreign 28000.00 40.58 12 42.86 2",
	}
	for i, o := range jan.Origins {
		got := strings.Join([]string{o.Origin, o.Gross.StringFixed(2), o.GrossSharePct.StringFixed(2), itoa(int(o.Admissions)),
			o.AdmissionsSharePct.StringFixed(2), itoa(o.Films)}, " ")
		if got != want[i] {
			t.Errorf("jan %d = %q, want %q", i, got, want[i])
		}
	}
	if jan.Key != "2026-01" || !jan.Gross.Equal(dec("69000")) || jan.Admissions != 28 || jan.NationalInTop10 != 1 {
		t.Errorf("jan %s %s %d top10 %d", jan.Key, jan.Gross, jan.Admissions, jan.NationalInTop10)
	}
	// Released in January: A (national), B, E (foreign), C (coproduction).
	if jan.FilmsReleasedN != 4 || jan.FilmsReleased["national"] != 1 || jan.FilmsReleased["foreign"] != 2 || jan.FilmsReleased["coproduction"] != 1 {
		t.Errorf("jan released %v", jan.FilmsReleased)
	}
	// February (clipped to 02-01..02-10): no sales, D released.
	if feb.Period.To != d("2026-02-10") || !feb.Gross.IsZero() || feb.FilmsReleased["foreign"] != 1 || feb.Origins[0].GrossSharePct.StringFixed(2) != "0.00" {
		t.Errorf("feb %+v", feb)
	}

	// Region Astana, by year.
	r, err = svc.Share(t.Context(), ShareQuery{From: d("2026-01-01"), To: d("2026-12-31"), GroupBy: Year, Region: "KZ-71"})
	if err != nil {
		t.Fatal(err)
	}
	y := r.Groups[0]
	if len(r.Groups) != 1 || y.Key != "2026" || !y.Gross.Equal(dec("14000")) || y.Origins[0].GrossSharePct.StringFixed(2) != "35.71" ||
		y.Origins[2].GrossSharePct.StringFixed(2) != "64.29" || y.NationalInTop10 != 1 {
		t.Errorf("astana year %+v", y)
	}
}

var _ *pgxpool.Pool

// TestCheckRollup: rows written to sales_daily (inserts, upserts, refund
// updates, deletes) reach boxoffice_daily, and a tampered row is found.
func TestCheckRollup(t *testing.T) {
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	ctx := t.Context()
	if _, err := owner.Exec(ctx, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	svc := NewService(pgtest.Pool(t, url))
	for _, q := range []string{
		`INSERT INTO sales_daily AS d VALUES ('c1', 'A', '2026-01-08', '2026-01-08', 100, 1), ('c2', 'A', '2026-01-08', '2026-01-08', 50, 1)
		 ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE SET gross = d.gross + EXCLUDED.gross, admissions = d.admissions + EXCLUDED.admissions`,
		`UPDATE sales_daily SET gross = gross - 2500, admissions = admissions - 1 WHERE cinema_id = 'c1' AND film_id = 'B'`,
		`DELETE FROM sales_daily WHERE film_id = 'E'`,
	} {
		if _, err := owner.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var gross string
	var adm int64
	if err := owner.QueryRow(ctx, `SELECT gross::text, admissions FROM boxoffice_daily WHERE film_id = 'A' AND box_office_day = '2026-01-08' AND region = 'KZ-75'`).Scan(&gross, &adm); err != nil {
		t.Fatal(err)
	}
	if gross != "20100.00" || adm != 9 {
		t.Errorf("A 01-08 KZ-75 = %s/%d, want 20100.00/9", gross, adm)
	}
	if n, err := svc.checkRollup(ctx); err != nil || n != 0 {
		t.Fatalf("CheckRollup = %d, %v", n, err)
	}
	if _, err := owner.Exec(ctx, `UPDATE boxoffice_daily SET gross = gross + 1 WHERE film_id = 'C'`); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.checkRollup(ctx); err != nil || n != 1 {
		t.Fatalf("CheckRollup after tampering = %d, %v", n, err)
	}
}
