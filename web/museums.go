package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ecinema/culture/museum"
	"ecinema/culture/ticketing"
)

// museumsData is the public museum catalogue page: a search of published
// objects (the API's search), each with its IIIF thumbnail, manifest and
// LIDO record.
type museumsData struct {
	Q, Museum, ObjectName string
	FromYear, ToYear      string
	Museums               []ticketing.Venue
	Names                 map[string]museum.LangMap // museum id → name
	Hits                  []museum.Hit
	Next                  string // the next page's query string, or ""
}

// Museums is /museums: the published objects of every museum, searchable,
// for anyone (CULTURE.md section 4). Unpublished objects never appear.
func (p *Pages) Museums() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Museum == nil {
			return errNotFound
		}
		ctx := c.Request().Context()
		d := museumsData{Q: c.QueryParam("q"), Museum: c.QueryParam("museum"), ObjectName: c.QueryParam("object_name"),
			FromYear: c.QueryParam("from_year"), ToYear: c.QueryParam("to_year"), Names: map[string]museum.LangMap{}}
		q := museum.Query{Q: d.Q, Museum: d.Museum, ObjectName: d.ObjectName}
		for _, y := range []struct {
			name, s string
			dst     **int
		}{{"from_year", d.FromYear, &q.FromYear}, {"to_year", d.ToYear, &q.ToYear}} {
			if y.s == "" {
				continue
			}
			n, err := strconv.Atoi(y.s)
			if err != nil {
				return &badInput{y.name + ": a year"}
			}
			*y.dst = &n
		}
		var err error
		if p.d.Ticketing != nil {
			if d.Museums, _, err = p.d.Ticketing.Venues(ctx, "museum", ticketing.Page{Limit: 500}); err != nil {
				return err
			}
			for _, m := range d.Museums {
				d.Names[m.ID] = museum.LangMap(m.Name)
			}
		}
		hits, next, err := p.d.Museum.Search(ctx, q, museum.Page{Limit: 24, Cursor: c.QueryParam("cursor")})
		if err != nil {
			if err == museum.ErrBadCursor {
				return &badInput{"cursor"}
			}
			return err
		}
		d.Hits = hits
		if next != "" {
			qs := c.QueryParams()
			qs.Set("cursor", next)
			qs.Set("lang", v.Lang)
			d.Next = qs.Encode()
		}
		v.Title, v.Data = T(v.Lang, "mu.title"), d
		return p.render(c, http.StatusOK, "museums.html", v)
	})
}
