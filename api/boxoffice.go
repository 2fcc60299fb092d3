package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"ecinema/boxoffice"
	"ecinema/validate"
)

type boxofficePeriodJSON struct {
	Kind string `json:"kind"`
	From string `json:"from"`
	To   string `json:"to"`
}

func periodJSON(p boxoffice.Period) boxofficePeriodJSON {
	return boxofficePeriodJSON{Kind: string(p.Kind), From: p.From.Format(boxoffice.DateLayout), To: p.To.Format(boxoffice.DateLayout)}
}

type rankItemJSON struct {
	Rank                 int             `json:"rank"`
	RankChange           *int            `json:"rank_change"`
	New                  bool            `json:"new"`
	FilmID               string          `json:"film_id"`
	Title                boxoffice.Title `json:"title"`
	Origin               string          `json:"origin"`
	ReleaseDate          string          `json:"release_date"`
	Gross                string          `json:"gross"`
	GrossSharePct        string          `json:"gross_share_pct"`
	Admissions           int64           `json:"admissions"`
	Screenings           int64           `json:"screenings"`
	Cinemas              int64           `json:"cinemas"`
	Screens              int64           `json:"screens"`
	CumulativeGross      string          `json:"cumulative_gross"`
	CumulativeAdmissions int64           `json:"cumulative_admissions"`
	GrossChange          string          `json:"gross_change"`
	GrossChangePct       *string         `json:"gross_change_pct"`
	AdmissionsChange     int64           `json:"admissions_change"`
	AdmissionsChangePct  *string         `json:"admissions_change_pct"`
	AdmissionsSharePct   string          `json:"admissions_share_pct"`
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

func queryDate(c echo.Context, ve *validate.Errors, field string, required bool) time.Time {
	s := c.QueryParam(field)
	if s == "" {
		if required {
			ve.Add(field, "required", "is required (YYYY-MM-DD)")
		}
		return time.Time{}
	}
	t, err := boxoffice.ParseDate(s)
	if err != nil {
		ve.Add(field, "invalid_date", "must be a date YYYY-MM-DD")
	}
	return t
}

func queryFormat(c echo.Context, ve *validate.Errors) string {
	f := c.QueryParam("format")
	switch f {
	case "", "json":
		return "json"
	case "csv", "xlsx":
		return f
	}
	ve.Add("format", "invalid", "must be json, csv or xlsx")
	return ""
}

// handleBoxOfficeRankings answers GET /v1/boxoffice/rankings (SPEC 6).
func handleBoxOfficeRankings(svc *boxoffice.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		kind := boxoffice.Kind(c.QueryParam("period"))
		if kind == "" {
			kind = boxoffice.Day
		}
		var day, from, to time.Time
		if kind == boxoffice.Custom {
			from = queryDate(c, &ve, "from", true)
			to = queryDate(c, &ve, "to", true)
		} else {
			day = queryDate(c, &ve, "date", true)
		}
		limit := 10
		if s := c.QueryParam("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > boxoffice.MaxLimit {
				ve.Add("limit", "out_of_range", "must be an integer 1..%d", boxoffice.MaxLimit)
			}
			limit = n
		}
		format := queryFormat(c, &ve)
		if err := ve.Err(); err != nil {
			return err
		}
		p, err := boxoffice.NewPeriod(kind, day, from, to)
		if err != nil {
			return err
		}
		r, err := svc.Rankings(c.Request().Context(), boxoffice.RankingsQuery{
			Period: p, By: boxoffice.By(c.QueryParam("by")), Limit: limit,
			Region: c.QueryParam("region"), Origin: c.QueryParam("origin"),
		})
		if err != nil {
			return err
		}
		if format != "json" {
			l := requestLang(c)
			return tableFile(c, boxoffice.RankingsTable(r, l), "rankings-"+string(p.Kind)+"-"+p.From.Format(boxoffice.DateLayout),
				format, l.Pick("Жиынтық", "Итоги", "Summary"), l.Pick("Рейтинг", "Рейтинг", "Ranking"))
		}
		out := rankingsJSON{
			AsOf:   r.AsOf.Format(boxoffice.DateLayout),
			Period: periodJSON(p), PreviousPeriod: periodJSON(r.Previous), By: string(r.Query.By),
			Region: optional(r.Query.Region), Origin: optional(r.Query.Origin), Items: []rankItemJSON{},
		}
		out.Totals.Gross = r.Totals.Gross.StringFixed(2)
		out.Totals.Admissions, out.Totals.Screenings, out.Totals.Cinemas, out.Totals.Films =
			r.Totals.Admissions, r.Totals.Screenings, r.Totals.Cinemas, r.Totals.Films
		for _, it := range r.Items {
			out.Items = append(out.Items, rankItemJSON{
				Rank: it.Rank, RankChange: it.RankChange, New: it.New, FilmID: it.FilmID, Title: it.Title,
				Origin: it.Origin, ReleaseDate: it.ReleaseDate.Format(boxoffice.DateLayout),
				Gross: it.Gross.StringFixed(2), GrossSharePct: it.GrossSharePct.StringFixed(2),
				Admissions: it.Admissions, Screenings: it.Screenings, Cinemas: it.Cinemas,
				CumulativeGross: it.CumulativeGross.StringFixed(2), CumulativeAdmissions: it.CumulativeAdmissions,
				Screens: it.Screens, GrossChange: it.GrossChange.StringFixed(2), GrossChangePct: pct(it.GrossChangePct),
				AdmissionsChange: it.AdmissionsChange, AdmissionsChangePct: pct(it.AdmissionsChangePct),
				AdmissionsSharePct: it.AdmissionsSharePct.StringFixed(2),
			})
		}
		return c.JSON(http.StatusOK, out)
	}
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

// handleBoxOfficeShare answers GET /v1/boxoffice/share (SPEC 6).
func handleBoxOfficeShare(svc *boxoffice.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		from := queryDate(c, &ve, "from", true)
		to := queryDate(c, &ve, "to", true)
		groupBy := boxoffice.Kind(c.QueryParam("group_by"))
		if groupBy == "" {
			groupBy = boxoffice.Month
		}
		format := queryFormat(c, &ve)
		if err := ve.Err(); err != nil {
			return err
		}
		r, err := svc.Share(c.Request().Context(), boxoffice.ShareQuery{From: from, To: to, GroupBy: groupBy, Region: c.QueryParam("region")})
		if err != nil {
			return err
		}
		if format != "json" {
			l := requestLang(c)
			return tableFile(c, boxoffice.ShareTable(r, l), "share-"+from.Format(boxoffice.DateLayout)+"-"+to.Format(boxoffice.DateLayout),
				format, l.Pick("Жиынтық", "Итоги", "Summary"), l.Pick("Үлес", "Доля", "Share"))
		}
		out := shareJSON{
			From: r.Query.From.Format(boxoffice.DateLayout), To: r.Query.To.Format(boxoffice.DateLayout),
			GroupBy: string(r.Query.GroupBy), Region: optional(r.Query.Region), Groups: []shareGroupJSON{},
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
		return c.JSON(http.StatusOK, out)
	}
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

// handleFilmDaily answers GET /v1/boxoffice/films/{id}/daily?from&to[&region]:
// the film's gross, admissions, screenings and cinemas per box-office day,
// every day of from..to (zeros included), with running totals since its
// first day.
func handleFilmDaily(svc *boxoffice.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		from := queryDate(c, &ve, "from", true)
		to := queryDate(c, &ve, "to", true)
		if err := ve.Err(); err != nil {
			return err
		}
		d, err := svc.FilmDaily(c.Request().Context(), boxoffice.DailyQuery{FilmID: c.Param("id"), From: from, To: to, Region: c.QueryParam("region")})
		if err != nil {
			return err
		}
		out := struct {
			FilmID string           `json:"film_id"`
			Title  boxoffice.Title  `json:"title"`
			Origin string           `json:"origin"`
			From   string           `json:"from"`
			To     string           `json:"to"`
			Region *string          `json:"region"`
			AsOf   string           `json:"as_of"`
			Items  []dailyPointJSON `json:"items"`
		}{d.Query.FilmID, d.Title, d.Origin, d.Query.From.Format(boxoffice.DateLayout), d.Query.To.Format(boxoffice.DateLayout),
			optional(d.Query.Region), d.AsOf.Format(boxoffice.DateLayout), make([]dailyPointJSON, 0, len(d.Days))}
		for _, p := range d.Days {
			out.Items = append(out.Items, dailyPointJSON{Date: p.Day.Format(boxoffice.DateLayout), Gross: p.Gross.StringFixed(2),
				Admissions: p.Admissions, Screenings: p.Screenings, Cinemas: p.Cinemas,
				CumulativeGross: p.CumulativeGross.StringFixed(2), CumulativeAdmissions: p.CumulativeAdmissions})
		}
		return c.JSON(http.StatusOK, out)
	}
}
