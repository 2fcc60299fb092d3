package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
)

// grantsData is the fund's awards with their totals.
type grantsData struct {
	Grants             int
	Awarded, Disbursed decimal.Decimal
	Awards             []awardRow
}

// awards reads every award of the fund from the same data as the
// 360Giving export, with the totals awarded and disbursed.
func (p *Pages) awards(ctx context.Context) (grantsData, error) {
	var d grantsData
	g, err := p.d.Fund.Giving(ctx)
	if err != nil {
		return d, err
	}
	for _, gr := range g.Grants {
		a, _ := decimal.NewFromString(string(gr.AmountAwarded))
		b, _ := decimal.NewFromString(string(gr.AmountDisbursed))
		d.Awarded, d.Disbursed = d.Awarded.Add(a), d.Disbursed.Add(b)
		row := awardRow{Title: gr.Title, Date: gr.AwardDate, Amount: a, Paid: b}
		if len(gr.RecipientOrganization) > 0 {
			row.Recipient = gr.RecipientOrganization[0].Name
		}
		if len(gr.BeneficiaryLocation) > 0 {
			row.Region = gr.BeneficiaryLocation[0].Name
		}
		d.Awards = append(d.Awards, row)
	}
	d.Grants = len(g.Grants)
	return d, nil
}

// Grants is /grants: every award of the Creative Industry Development
// Fund (project, recipient, region, date, amount awarded and disbursed)
// with the totals, for anyone, from the 360Giving data.
func (p *Pages) Grants() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Fund == nil {
			return errNotFound
		}
		d, err := p.awards(c.Request().Context())
		if err != nil {
			return err
		}
		v.Title, v.Data = T(v.Lang, "gr.title"), d
		return p.render(c, http.StatusOK, "grants.html", v)
	})
}
