package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/culture/ngo"
	"ecinema/registry"
)

// ngosData is the public NGO register page: one page of registered NGOs
// (ordered by BIN) with the year of each one's last accepted report.
type ngosData struct {
	NGOs    []ngo.NGO
	Last    map[string]int // BIN → year of the last accepted report
	Regions map[string]registry.Title
	Next    string // the next page's cursor, or ""
	First   bool
}

// ngosPerPage bounds the page: the register is read a page at a time.
const ngosPerPage = 100

// NGOs is /ngos: the register of non-commercial organisations for anyone
// (CULTURE.md section 5's open data): name, BIN, legal form, region,
// status and the last accepted annual report, a page at a time.
func (p *Pages) NGOs() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.NGO == nil {
			return errNotFound
		}
		ctx := c.Request().Context()
		cursor := c.QueryParam("after")
		if len(cursor) > 12 {
			return &badInput{"after: a BIN"}
		}
		d := ngosData{Regions: map[string]registry.Title{}, First: cursor == ""}
		var err error
		if d.NGOs, d.Next, err = p.d.NGO.NGOs(ctx, ngo.Page{Limit: ngosPerPage, Cursor: cursor}); err != nil {
			return err
		}
		bins := make([]string, len(d.NGOs))
		for i, n := range d.NGOs {
			bins[i] = n.BIN
		}
		if d.Last, err = p.d.NGO.LastAccepted(ctx, bins); err != nil {
			return err
		}
		if p.d.Registry != nil {
			rs, err := p.d.Registry.Regions(ctx)
			if err != nil {
				return err
			}
			for _, r := range rs {
				d.Regions[r.Code] = r.Name
			}
		}
		v.Title, v.Data = T(v.Lang, "ngo.title"), d
		return p.render(c, http.StatusOK, "ngos.html", v)
	})
}
