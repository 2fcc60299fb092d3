package boxoffice

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/internal/pgtest"
	"ecinema/validate"
)

// TestRankingsKOBIS: changes against the previous week, admissions shares,
// screens (halls), as_of, the weekdays period and a film's daily series.
func TestRankingsKOBIS(t *testing.T) {
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	if _, err := owner.Exec(context.Background(), fixtureSQL+`
INSERT INTO screenings (cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats) VALUES
  ('c1', 's1', 'h1', 'A', '2026-01-08 15:00+05', '2026-01-08 17:00+05', '2026-01-08', '2D', 'kk', 0, 100),
  ('c1', 's2', 'h2', 'A', '2026-01-08 18:00+05', '2026-01-08 20:00+05', '2026-01-08', '2D', 'kk', 0, 100),
  ('c1', 's3', 'h1', 'A', '2026-01-09 15:00+05', '2026-01-09 17:00+05', '2026-01-09', '2D', 'kk', 0, 100),
  ('c2', 's4', 'h1', 'A', '2026-01-09 15:00+05', '2026-01-09 17:00+05', '2026-01-09', '2D', 'kk', 0, 100),
  ('c1', 's5', 'h1', 'B', '2026-01-10 15:00+05', '2026-01-10 17:00+05', '2026-01-10', '2D', 'ru', 0, 100)`); err != nil {
		t.Fatal(err)
	}
	svc := NewService(pgtest.Pool(t, url))
	// 2026-01-13 07:00 in Almaty: the 12th is complete.
	svc.setClock(func() time.Time { return time.Date(2026, 1, 13, 2, 0, 0, 0, time.UTC) })
	ctx := t.Context()
	r, err := svc.Rankings(ctx, RankingsQuery{Period: mustPeriod(t, Week, "2026-01-10")})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.AsOf.Format(DateLayout); got != "2026-01-12" {
		t.Errorf("as_of %s", got)
	}
	by := map[string]RankItem{}
	sum := decimal.Zero
	for _, it := range r.Items {
		by[it.FilmID] = it
		sum = sum.Add(it.AdmissionsSharePct)
	}
	if !sum.Equal(decimal.NewFromInt(100)) {
		t.Errorf("admissions shares add up to %s", sum)
	}
	pct := func(p *decimal.Decimal) string {
		if p == nil {
			return "null"
		}
		return p.StringFixed(2)
	}
	for _, c := range []struct {
		film                     string
		gc, gcp                  string
		ac                       int64
		acp                      string
		screens                  int64
		admShareMin, admShareMax string
	}{
		{"A", "25000.00", "null", 10, "null", 3, "55.55", "55.56"},     // new: no previous figures
		{"B", "-9000.00", "-60.00", -3, "-50.00", 1, "16.66", "16.67"}, // 15000/6 the week before
		{"D", "1000.00", "33.33", 1, "100.00", 0, "11.11", "11.12"},    // previews 3000/1
	} {
		it := by[c.film]
		if it.GrossChange.StringFixed(2) != c.gc || pct(it.GrossChangePct) != c.gcp || it.AdmissionsChange != c.ac ||
			pct(it.AdmissionsChangePct) != c.acp || it.Screens != c.screens {
			t.Errorf("%s: change %s %s adm %d %s screens %d", c.film, it.GrossChange.StringFixed(2), pct(it.GrossChangePct),
				it.AdmissionsChange, pct(it.AdmissionsChangePct), it.Screens)
		}
		if it.AdmissionsSharePct.LessThan(decimal.RequireFromString(c.admShareMin)) || it.AdmissionsSharePct.GreaterThan(decimal.RequireFromString(c.admShareMax)) {
			t.Errorf("%s admissions share %s", c.film, it.AdmissionsSharePct)
		}
	}
	// B was 1st the week before and is 3rd now: rank_change −2 (places moved up).
	if rc := by["B"].RankChange; rc == nil || *rc != -2 {
		t.Errorf("B rank_change %v", rc)
	}

	// 05:00 in Almaty on the 13th: the 12th is not complete yet.
	svc.setClock(func() time.Time { return time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC) })
	if r, _ := svc.Rankings(ctx, RankingsQuery{Period: mustPeriod(t, Day, "2026-01-12")}); r.AsOf.Format(DateLayout) != "2026-01-11" {
		t.Errorf("as_of before 06:00 = %s", r.AsOf.Format(DateLayout))
	}

	// Weekdays: a Saturday names the Monday–Thursday before it.
	p := mustPeriod(t, Weekdays, "2026-01-10")
	if p.From.Format(DateLayout) != "2026-01-05" || p.To.Format(DateLayout) != "2026-01-08" ||
		p.previous().From.Format(DateLayout) != "2025-12-29" {
		t.Errorf("weekdays %v prev %v", p, p.previous())
	}
	if p := mustPeriod(t, Weekdays, "2026-01-07"); p.From.Format(DateLayout) != "2026-01-05" {
		t.Errorf("weekdays of a Wednesday %v", p)
	}
	r, err = svc.Rankings(ctx, RankingsQuery{Period: p})
	if err != nil || len(r.Items) != 2 || r.Items[0].FilmID != "A" || r.Items[1].FilmID != "D" || !r.Items[1].Gross.Equal(decimal.NewFromInt(3000)) {
		t.Errorf("weekdays ranking %+v %v", r.Items, err)
	}

	// Daily series of A, with a day before any sale.
	d, err := svc.FilmDaily(ctx, DailyQuery{FilmID: "A", From: date(2026, 1, 7), To: date(2026, 1, 9)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-01-07 0.00 0 0 0 0.00 0", "2026-01-08 20000.00 8 4 1 20000.00 8", "2026-01-09 5000.00 2 2 1 25000.00 10"}
	if len(d.Days) != len(want) || d.Title.EN != "A en" {
		t.Fatalf("daily %+v", d)
	}
	for i, x := range d.Days {
		got := x.Day.Format(DateLayout) + " " + x.Gross.StringFixed(2) + " " + itoa(int(x.Admissions)) + " " + itoa(int(x.Screenings)) + " " +
			itoa(int(x.Cinemas)) + " " + x.CumulativeGross.StringFixed(2) + " " + itoa(int(x.CumulativeAdmissions))
		if got != want[i] {
			t.Errorf("day %d = %q, want %q", i, got, want[i])
		}
	}
	// The running total starts from everything before from (A on 01-15 sees 25000 before it).
	d, _ = svc.FilmDaily(ctx, DailyQuery{FilmID: "A", From: date(2026, 1, 15), To: date(2026, 1, 15)})
	if len(d.Days) != 1 || !d.Days[0].CumulativeGross.Equal(decimal.NewFromInt(32000)) {
		t.Errorf("cumulative from before: %+v", d.Days)
	}
	if _, err := svc.FilmDaily(ctx, DailyQuery{FilmID: "nope", From: date(2026, 1, 7), To: date(2026, 1, 9)}); !errors.Is(err, ErrFilmNotFound) {
		t.Errorf("unknown film: %v", err)
	}
	if _, err := svc.FilmDaily(ctx, DailyQuery{FilmID: "A", From: date(2026, 1, 7), To: date(2027, 3, 9)}); !errors.Is(err, validate.ErrInvalid) {
		t.Errorf("too long: %v", err)
	}
}
