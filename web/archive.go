package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/culture/archive"
)

// archiveData is the public e-Archive page: a search over open units.
type archiveData struct {
	Q, Fond string
	Units   []archive.Unit
	Next    string
}

// Archive is /archive: the e-Archive's open units for anyone, searched in
// kk, ru or en (the same search as GET /v1/archive/units), each with its
// citation, its PREMIS events and its DIP (a BagIt bag) to download.
func (p *Pages) Archive() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Archive == nil {
			return errNotFound
		}
		d := archiveData{Q: c.QueryParam("q"), Fond: c.QueryParam("fond")}
		if len(d.Q) > 200 {
			return &badInput{"q: at most 200 characters"}
		}
		var err error
		d.Units, d.Next, err = p.d.Archive.Units(c.Request().Context(), archive.Query{Q: d.Q, Fond: d.Fond, Cursor: c.QueryParam("cursor"), Limit: 50})
		if err != nil {
			return err
		}
		v.Title, v.Data = T(v.Lang, "ar.title"), d
		return p.render(c, http.StatusOK, "archive.html", v)
	})
}
