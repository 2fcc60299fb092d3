package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/boxoffice"
)

// TestBoxOfficeWirePinned pins the JSON of a ranking and of a film's daily
// series for fixed plain structs: field names and order, money and
// percentages as two-digit strings, an absent filter or change as null.
func TestBoxOfficeWirePinned(t *testing.T) {
	day := func(s string) time.Time {
		d, err := boxoffice.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	up, share := 2, decimal.RequireFromString("12.345")
	title := boxoffice.Title{KK: "Қош бол, Гүлсары!", RU: "Прощай, Гульсары!", EN: "Farewell, Gulsary"}
	r := boxoffice.Rankings{
		Query: boxoffice.RankingsQuery{Period: boxoffice.Period{Kind: boxoffice.Week, From: day("2026-11-19"), To: day("2026-11-25")},
			By: boxoffice.ByGross, Limit: 10, Origin: "national"},
		Previous: boxoffice.Period{Kind: boxoffice.Week, From: day("2026-11-12"), To: day("2026-11-18")},
		Totals:   boxoffice.Totals{Gross: decimal.RequireFromString("6800"), Admissions: 3, Screenings: 2, Cinemas: 1, Films: 1},
		Items: []boxoffice.RankItem{{Rank: 1, RankChange: &up, FilmID: "gulsary", Title: title, Origin: "national",
			ReleaseDate: day("2026-11-01"), Gross: decimal.RequireFromString("6800"), GrossSharePct: decimal.NewFromInt(100),
			Admissions: 3, Screenings: 2, Cinemas: 1, Screens: 2, CumulativeGross: decimal.RequireFromString("9000.5"),
			CumulativeAdmissions: 4, GrossChange: decimal.RequireFromString("-200"), GrossChangePct: &share,
			AdmissionsChange: 1, AdmissionsSharePct: decimal.NewFromInt(100)}},
		AsOf: day("2026-11-29"),
	}
	d := boxoffice.Daily{Query: boxoffice.DailyQuery{FilmID: "gulsary", From: day("2026-11-28"), To: day("2026-11-28"), Region: "KZ-ALA"},
		Title: title, Origin: "national", AsOf: day("2026-11-29"),
		Days: []boxoffice.DailyPoint{{Day: day("2026-11-28"), Gross: decimal.RequireFromString("1500"), Admissions: 1, Screenings: 1,
			Cinemas: 1, CumulativeGross: decimal.RequireFromString("9000.5"), CumulativeAdmissions: 4}}}
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"rankings", rankingsWire(r), `{"as_of":"2026-11-29","period":{"kind":"week","from":"2026-11-19","to":"2026-11-25"},` +
			`"previous_period":{"kind":"week","from":"2026-11-12","to":"2026-11-18"},"by":"gross","region":null,"origin":"national",` +
			`"totals":{"gross":"6800.00","admissions":3,"screenings":2,"cinemas":1,"films":1},"items":[{"rank":1,"rank_change":2,` +
			`"new":false,"film_id":"gulsary","title":{"kk":"Қош бол, Гүлсары!","ru":"Прощай, Гульсары!","en":"Farewell, Gulsary"},` +
			`"origin":"national","release_date":"2026-11-01","gross":"6800.00","gross_share_pct":"100.00","admissions":3,` +
			`"screenings":2,"cinemas":1,"screens":2,"cumulative_gross":"9000.50","cumulative_admissions":4,"gross_change":"-200.00",` +
			`"gross_change_pct":"12.35","admissions_change":1,"admissions_change_pct":null,"admissions_share_pct":"100.00"}]}`},
		{"empty rankings", rankingsWire(boxoffice.Rankings{Query: r.Query, Previous: r.Previous, AsOf: r.AsOf}),
			`{"as_of":"2026-11-29","period":{"kind":"week","from":"2026-11-19","to":"2026-11-25"},` +
				`"previous_period":{"kind":"week","from":"2026-11-12","to":"2026-11-18"},"by":"gross","region":null,"origin":"national",` +
				`"totals":{"gross":"0.00","admissions":0,"screenings":0,"cinemas":0,"films":0},"items":[]}`},
		{"daily", filmDailyWire(d), `{"film_id":"gulsary","title":{"kk":"Қош бол, Гүлсары!","ru":"Прощай, Гульсары!",` +
			`"en":"Farewell, Gulsary"},"origin":"national","from":"2026-11-28","to":"2026-11-28","region":"KZ-ALA","as_of":"2026-11-29",` +
			`"items":[{"date":"2026-11-28","gross":"1500.00","admissions":1,"screenings":1,"cinemas":1,"cumulative_gross":"9000.50",` +
			`"cumulative_admissions":4}]}`},
	} {
		got, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
