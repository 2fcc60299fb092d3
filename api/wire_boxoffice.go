package api

import (
	"github.com/shopspring/decimal"

	"ecinema/boxoffice"
)

// The wire forms of the box-office answers (SPEC 6): money and percentages
// as strings with two fraction digits, dates as YYYY-MM-DD, an absent filter
// or an undefined change as null. boxoffice returns plain structs; these
// types and the functions below are the only JSON of /v1/boxoffice.

type boxofficePeriodJSON struct {
	Kind string `json:"kind"`
	From string `json:"from"`
	To   string `json:"to"`
}

func periodJSON(p boxoffice.Period) boxofficePeriodJSON {
	return boxofficePeriodJSON{Kind: string(p.Kind), From: p.From.Format(boxoffice.DateLayout), To: p.To.Format(boxoffice.DateLayout)}
}

// titleJSON is a film's title in the three languages.
type titleJSON struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

func titleWire(t boxoffice.Title) titleJSON { return titleJSON{KK: t.KK, RU: t.RU, EN: t.EN} }

type rankItemJSON struct {
	Rank                 int       `json:"rank"`
	RankChange           *int      `json:"rank_change"`
	New                  bool      `json:"new"`
	FilmID               string    `json:"film_id"`
	Title                titleJSON `json:"title"`
	Origin               string    `json:"origin"`
	ReleaseDate          string    `json:"release_date"`
	Gross                string    `json:"gross"`
	GrossSharePct        string    `json:"gross_share_pct"`
	Admissions           int64     `json:"admissions"`
	Screenings           int64     `json:"screenings"`
	Cinemas              int64     `json:"cinemas"`
	Screens              int64     `json:"screens"`
	CumulativeGross      string    `json:"cumulative_gross"`
	CumulativeAdmissions int64     `json:"cumulative_admissions"`
	GrossChange          string    `json:"gross_change"`
	GrossChangePct       *string   `json:"gross_change_pct"`
	AdmissionsChange     int64     `json:"admissions_change"`
	AdmissionsChangePct  *string   `json:"admissions_change_pct"`
	AdmissionsSharePct   string    `json:"admissions_share_pct"`
}

func pct(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := d.StringFixed(2)
	return &s
}

type rankingsJSON struct {
	AsOf           string              `json:"as_of"`
	Period         boxofficePeriodJSON `json:"period"`
	PreviousPeriod boxofficePeriodJSON `json:"previous_period"`
	By             string              `json:"by"`
	Region         *string             `json:"region"`
	Origin         *string             `json:"origin"`
	Totals         struct {
		Gross      string `json:"gross"`
		Admissions int64  `json:"admissions"`
		Screenings int64  `json:"screenings"`
		Cinemas    int64  `json:"cinemas"`
		Films      int    `json:"films"`
	} `json:"totals"`
	Items []rankItemJSON `json:"items"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func rankingsWire(r boxoffice.Rankings) rankingsJSON {
	out := rankingsJSON{
		AsOf:   r.AsOf.Format(boxoffice.DateLayout),
		Period: periodJSON(r.Query.Period), PreviousPeriod: periodJSON(r.Previous), By: string(r.Query.By),
		Region: optional(r.Query.Region), Origin: optional(r.Query.Origin), Items: make([]rankItemJSON, 0, len(r.Items)),
	}
	out.Totals.Gross = r.Totals.Gross.StringFixed(2)
	out.Totals.Admissions, out.Totals.Screenings, out.Totals.Cinemas, out.Totals.Films =
		r.Totals.Admissions, r.Totals.Screenings, r.Totals.Cinemas, r.Totals.Films
	for _, it := range r.Items {
		out.Items = append(out.Items, rankItemJSON{
			Rank: it.Rank, RankChange: it.RankChange, New: it.New, FilmID: it.FilmID, Title: titleWire(it.Title),
			Origin: it.Origin, ReleaseDate: it.ReleaseDate.Format(boxoffice.DateLayout),
			Gross: it.Gross.StringFixed(2), GrossSharePct: it.GrossSharePct.StringFixed(2),
			Admissions: it.Admissions, Screenings: it.Screenings, Cinemas: it.Cinemas,
			CumulativeGross: it.CumulativeGross.StringFixed(2), CumulativeAdmissions: it.CumulativeAdmissions,
			Screens: it.Screens, GrossChange: it.GrossChange.StringFixed(2), GrossChangePct: pct(it.GrossChangePct),
			AdmissionsChange: it.AdmissionsChange, AdmissionsChangePct: pct(it.AdmissionsChangePct),
			AdmissionsSharePct: it.AdmissionsSharePct.StringFixed(2),
		})
	}
	return out
}

type originShareJSON struct {
	Origin             string `json:"origin"`
	Gross              string `json:"gross"`
	GrossSharePct      string `json:"gross_share_pct"`
	Admissions         int64  `json:"admissions"`
	AdmissionsSharePct string `json:"admissions_share_pct"`
	Films              int    `json:"films"`
	FilmsReleased      int    `json:"films_released"`
}

type shareGroupJSON struct {
	Group           string          `json:"group"`
	From            string          `json:"from"`
	To              string          `json:"to"`
	Gross           string          `json:"gross"`
	Admissions      int64           `json:"admissions"`
	National        originShareJSON `json:"national"`
	Coproduction    originShareJSON `json:"coproduction"`
	Foreign         originShareJSON `json:"foreign"`
	NationalInTop10 int             `json:"national_in_top10"`
	FilmsReleased   int             `json:"films_released"`
}

type shareJSON struct {
	From    string           `json:"from"`
	To      string           `json:"to"`
	GroupBy string           `json:"group_by"`
	Region  *string          `json:"region"`
	Groups  []shareGroupJSON `json:"groups"`
}

func shareWire(r boxoffice.ShareReport) shareJSON {
	out := shareJSON{
		From: r.Query.From.Format(boxoffice.DateLayout), To: r.Query.To.Format(boxoffice.DateLayout),
		GroupBy: string(r.Query.GroupBy), Region: optional(r.Query.Region), Groups: make([]shareGroupJSON, 0, len(r.Groups)),
	}
	for _, g := range r.Groups {
		gj := shareGroupJSON{
			Group: g.Key, From: g.Period.From.Format(boxoffice.DateLayout), To: g.Period.To.Format(boxoffice.DateLayout),
			Gross: g.Gross.StringFixed(2), Admissions: g.Admissions,
			NationalInTop10: g.NationalInTop10, FilmsReleased: g.FilmsReleasedN,
		}
		for _, o := range g.Origins {
			oj := originShareJSON{
				Origin: o.Origin, Gross: o.Gross.StringFixed(2), GrossSharePct: o.GrossSharePct.StringFixed(2),
				Admissions: o.Admissions, AdmissionsSharePct: o.AdmissionsSharePct.StringFixed(2),
				Films: o.Films, FilmsReleased: g.FilmsReleased[o.Origin],
			}
			switch o.Origin {
			case "national":
				gj.National = oj
			case "coproduction":
				gj.Coproduction = oj
			case "foreign":
				gj.Foreign = oj
			}
		}
		out.Groups = append(out.Groups, gj)
	}
	return out
}

type dailyPointJSON struct {
	Date                 string `json:"date"`
	Gross                string `json:"gross"`
	Admissions           int64  `json:"admissions"`
	Screenings           int64  `json:"screenings"`
	Cinemas              int64  `json:"cinemas"`
	CumulativeGross      string `json:"cumulative_gross"`
	CumulativeAdmissions int64  `json:"cumulative_admissions"`
}

type filmDailyJSON struct {
	FilmID string           `json:"film_id"`
	Title  titleJSON        `json:"title"`
	Origin string           `json:"origin"`
	From   string           `json:"from"`
	To     string           `json:"to"`
	Region *string          `json:"region"`
	AsOf   string           `json:"as_of"`
	Items  []dailyPointJSON `json:"items"`
}

func filmDailyWire(d boxoffice.Daily) filmDailyJSON {
	out := filmDailyJSON{FilmID: d.Query.FilmID, Title: titleWire(d.Title), Origin: d.Origin,
		From: d.Query.From.Format(boxoffice.DateLayout), To: d.Query.To.Format(boxoffice.DateLayout),
		Region: optional(d.Query.Region), AsOf: d.AsOf.Format(boxoffice.DateLayout), Items: make([]dailyPointJSON, 0, len(d.Days))}
	for _, p := range d.Days {
		out.Items = append(out.Items, dailyPointJSON{Date: p.Day.Format(boxoffice.DateLayout), Gross: p.Gross.StringFixed(2),
			Admissions: p.Admissions, Screenings: p.Screenings, Cinemas: p.Cinemas,
			CumulativeGross: p.CumulativeGross.StringFixed(2), CumulativeAdmissions: p.CumulativeAdmissions})
	}
	return out
}
