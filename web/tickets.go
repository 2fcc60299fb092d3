package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/culture/ticketing"
	"ecinema/kztime"
	"ecinema/registry"
)

// ticketsData is the public e-ticketing page: the public statistics (kind
// × region × month, no money) of a span of months, and the venues.
type ticketsData struct {
	From, To       string // months YYYY-MM
	FromDay, ToDay string // the span's first and last day, for the CSV link
	Stats          ticketing.PublicStats
	Venues         []ticketing.Venue
	Regions        map[string]registry.Title
}

// Tickets is /tickets: the unified e-ticketing register's public figures,
// for anyone (CULTURE.md section 1: by kind and region per month, no
// venue's own revenue).
func (p *Pages) Tickets() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Ticketing == nil {
			return errNotFound
		}
		ctx := c.Request().Context()
		now := p.d.Now().In(kztime.Location)
		to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		from := to.AddDate(0, -2, 0)
		for _, f := range []struct {
			name string
			dst  *time.Time
		}{{"from", &from}, {"to", &to}} {
			if s := c.QueryParam(f.name); s != "" {
				m, err := time.Parse("2006-01", s)
				if err != nil {
					return &badInput{f.name + ": YYYY-MM"}
				}
				*f.dst = m
			}
		}
		if to.Before(from) || to.Sub(from) > 366*24*time.Hour {
			return &badInput{"from … to: at most 12 months, from before to"}
		}
		last := to.AddDate(0, 1, -1)
		d := ticketsData{From: from.Format("2006-01"), To: to.Format("2006-01"), FromDay: from.Format(time.DateOnly),
			ToDay: last.Format(time.DateOnly), Regions: map[string]registry.Title{}}
		var err error
		if d.Stats, err = p.d.Ticketing.PublicStats(ctx, from, last); err != nil {
			return err
		}
		if d.Venues, _, err = p.d.Ticketing.Venues(ctx, "", ticketing.Page{Limit: 500}); err != nil {
			return err
		}
		rs, err := p.d.Registry.Regions(ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			d.Regions[r.Code] = r.Name
		}
		v.Title, v.Data = T(v.Lang, "tk.title"), d
		return p.render(c, http.StatusOK, "tickets.html", v)
	})
}
