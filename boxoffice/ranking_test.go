package boxoffice

import (
	"testing"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestOrder(t *testing.T) {
	figs := []figures{
		{FilmID: "c", Gross: dec("1000.00"), Admissions: 10},
		{FilmID: "a", Gross: dec("1000.00"), Admissions: 10}, // full tie with c: film id decides
		{FilmID: "b", Gross: dec("1000.00"), Admissions: 12}, // gross tie: admissions decide
		{FilmID: "d", Gross: dec("5000.00"), Admissions: 2},
		{FilmID: "e", Gross: dec("0.00"), Admissions: 30}, // complimentary only
	}
	tests := []struct {
		by   By
		want string
	}{
		{ByGross, "dbace"},
		{ByAdmissions, "ebacd"},
	}
	for _, tt := range tests {
		f := append([]figures(nil), figs...)
		order(f, tt.by)
		got := ""
		for _, x := range f {
			got += x.FilmID
		}
		if got != tt.want {
			t.Errorf("Order by %s = %s, want %s", tt.by, got, tt.want)
		}
		r := ranks(f)
		if r[tt.want[:1]] != 1 || r[tt.want[4:]] != 5 {
			t.Errorf("ranks %v", r)
		}
	}
}

func TestRankChange(t *testing.T) {
	prev := map[string]int{"a": 3, "b": 1}
	if got := rankChange(prev, "a", 1); got == nil || *got != 2 {
		t.Errorf("a: %v", got)
	}
	if got := rankChange(prev, "b", 4); got == nil || *got != -3 {
		t.Errorf("b: %v", got)
	}
	if got := rankChange(prev, "c", 1); got != nil {
		t.Errorf("c: %v", *got)
	}
}

func TestSharesPct(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"1.00", "1.00", "1.00"}, []string{"33.34", "33.33", "33.33"}},
		{[]string{"2.00", "1.00", "0.00"}, []string{"66.67", "33.33", "0.00"}},
		{[]string{"100.00"}, []string{"100.00"}},
		{[]string{"0.00", "0.00"}, []string{"0.00", "0.00"}},
		{[]string{}, []string{}},
		// 1/6, 2/6, 3/6 = 16.666.., 33.333.., 50: floors 16.66+33.33+50.00 = 99.99;
		// the missing hundredth goes to the largest remainder (16.666..).
		{[]string{"1000.00", "2000.00", "3000.00"}, []string{"16.67", "33.33", "50.00"}},
		{[]string{"9300.00", "0.01"}, []string{"100.00", "0.00"}},
	}
	for _, tt := range tests {
		in := make([]decimal.Decimal, len(tt.in))
		for i, s := range tt.in {
			in[i] = dec(s)
		}
		got := sharesPct(in)
		sum := decimal.Zero
		for i := range got {
			if got[i].StringFixed(2) != tt.want[i] {
				t.Errorf("SharesPct(%v)[%d] = %s, want %s", tt.in, i, got[i].StringFixed(2), tt.want[i])
			}
			sum = sum.Add(got[i])
		}
		if len(in) > 0 && !sum.IsZero() && !sum.Equal(dec("100")) {
			t.Errorf("SharesPct(%v) sums to %s", tt.in, sum)
		}
	}
}

func TestBuildShareGroup(t *testing.T) {
	p := Period{Kind: Month, From: d("2026-01-01"), To: d("2026-01-31")}
	var films []shareInput
	// 12 films: national n1..n6 earn 100..600, foreign f1..f5 earn 1000..5000,
	// one coproduction 50; a film with zero net admissions is ignored.
	for i := 1; i <= 6; i++ {
		films = append(films, shareInput{FilmID: "n" + string(rune('0'+i)), Origin: "national", Gross: decimal.NewFromInt(int64(100 * i)), Admissions: int64(i)})
	}
	for i := 1; i <= 5; i++ {
		films = append(films, shareInput{FilmID: "f" + string(rune('0'+i)), Origin: "foreign", Gross: decimal.NewFromInt(int64(1000 * i)), Admissions: int64(i)})
	}
	films = append(films, shareInput{FilmID: "c1", Origin: "coproduction", Gross: dec("50"), Admissions: 1})
	films = append(films, shareInput{FilmID: "z", Origin: "national", Gross: dec("0"), Admissions: 0})
	g := buildShareGroup(p, films, map[string]int{"national": 2, "foreign": 1})
	if g.Key != "2026-01" {
		t.Errorf("key %s", g.Key)
	}
	// Total gross: national 2100, foreign 15000, copro 50 = 17150.
	if !g.Gross.Equal(dec("17150")) || g.Admissions != 21+15+1 {
		t.Errorf("totals %s %d", g.Gross, g.Admissions)
	}
	want := map[string][3]string{ // gross, gross share, admissions share
		"national":     {"2100", "12.25", "56.76"},
		"coproduction": {"50", "0.29", "2.70"},
		"foreign":      {"15000", "87.46", "40.54"},
	}
	sum := decimal.Zero
	for _, o := range g.Origins {
		w := want[o.Origin]
		if !o.Gross.Equal(dec(w[0])) || o.GrossSharePct.StringFixed(2) != w[1] || o.AdmissionsSharePct.StringFixed(2) != w[2] {
			t.Errorf("%s: %s %s %s, want %v", o.Origin, o.Gross, o.GrossSharePct.StringFixed(2), o.AdmissionsSharePct.StringFixed(2), w)
		}
		sum = sum.Add(o.GrossSharePct)
	}
	if !sum.Equal(dec("100")) {
		t.Errorf("gross shares sum %s", sum)
	}
	// Top 10 by gross: f5..f1, n6..n2 → 5 national (n1 and c1 are 11th/12th).
	if g.NationalInTop10 != 5 {
		t.Errorf("national in top 10 = %d", g.NationalInTop10)
	}
	if g.FilmsReleasedN != 3 || g.FilmsReleased["national"] != 2 || g.FilmsReleased["coproduction"] != 0 {
		t.Errorf("released %v %d", g.FilmsReleased, g.FilmsReleasedN)
	}
	if g.Origins[0].Films != 6 {
		t.Errorf("national films %d", g.Origins[0].Films)
	}
}
