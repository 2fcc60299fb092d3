package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/ingest"
	"ecinema/kztime"
)

// anomalyRoles may list anomaly flags.
var anomalyRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAnalyst}

// handleAnomalies serves GET /v1/anomalies?cinema=&from=&to=&flag=&cursor=&limit=
// (dates are local YYYY-MM-DD, inclusive; the last 30 days by default).
func handleAnomalies(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := ingest.AnomalyFilter{CinemaID: c.QueryParam("cinema"), Flag: c.QueryParam("flag"), Cursor: c.QueryParam("cursor")}
		var err error
		today := kztime.LocalDate(time.Now())
		if f.To, err = anomalyDate(c, "to", today); err != nil {
			return err
		}
		if f.From, err = anomalyDate(c, "from", f.To.AddDate(0, 0, -30)); err != nil {
			return err
		}
		if s := c.QueryParam("limit"); s != "" {
			if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > 1000 {
				return badQuery("limit", "must be an integer 1..1000")
			}
		}
		page, err := svc.Anomalies(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, page)
	}
}

func anomalyDate(c echo.Context, name string, def time.Time) (time.Time, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, badQuery(name, "must be a date YYYY-MM-DD")
	}
	return d, nil
}
