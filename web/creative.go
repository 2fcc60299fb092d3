package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"ecinema/culture/hubs"
)

// creativeData is the public page of CULTURE.md section 5: the NGO
// register in numbers, the fund's awards and the creative hubs.
type creativeData struct {
	NGOs, NGOsReporting, Grants int
	Awarded, Disbursed          decimal.Decimal
	Awards                      []awardRow
	Hubs                        []hubs.Hub
}

// awardRow is one award as the page lists it.
type awardRow struct {
	Title, Recipient, Region, Date string
	Amount, Paid                   decimal.Decimal
}

// Creative is /creative: how many NGOs are registered and have an
// accepted report, every award of the Creative Industry Development Fund
// (from the same data as the 360Giving export), and every creative hub
// with its calendar — each with a link to its open data.
func (p *Pages) Creative() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.NGO == nil || p.d.Fund == nil || p.d.Hubs == nil {
			return errNotFound
		}
		ctx := c.Request().Context()
		var d creativeData
		ngos, err := p.d.NGO.OpenData(ctx)
		if err != nil {
			return err
		}
		d.NGOs = len(ngos)
		for _, n := range ngos {
			if len(n.Reports) > 0 {
				d.NGOsReporting++
			}
		}
		g, err := p.awards(ctx)
		if err != nil {
			return err
		}
		d.Grants, d.Awarded, d.Disbursed, d.Awards = g.Grants, g.Awarded, g.Disbursed, g.Awards
		if d.Hubs, err = p.d.Hubs.All(ctx); err != nil {
			return err
		}
		v.Title, v.Data = T(v.Lang, "cr.title"), d
		return p.render(c, http.StatusOK, "creative.html", v)
	})
}
