package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/boxoffice"
	"ecinema/validate"
)

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
		return c.JSON(http.StatusOK, rankingsWire(r))
	}
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
		return c.JSON(http.StatusOK, shareWire(r))
	}
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
		return c.JSON(http.StatusOK, filmDailyWire(d))
	}
}
