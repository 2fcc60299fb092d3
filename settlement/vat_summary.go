package settlement

import (
	"context"
	"sort"

	"github.com/shopspring/decimal"
)

// VATRateSum is an exhibitor's sales at one VAT rate.
type VATRateSum struct {
	Rate  decimal.Decimal
	Gross decimal.Decimal
	VAT   decimal.Decimal
}

// VATSummary is one exhibitor's revenue and VAT by sale date over a period.
type VATSummary struct {
	ExhibitorID string
	Name        string
	BIN         string
	Admissions  int64
	Gross       decimal.Decimal
	VAT         decimal.Decimal
	Net         decimal.Decimal
	ByRate      []VATRateSum
}

// VATSummaries returns the VAT summary per exhibitor for sale dates
// From..To (VAT rounded per cinema and day, as in the reconciliation).
func (s *Service) VATSummaries(ctx context.Context, q TaxQuery) ([]VATSummary, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	days, err := ledgerDays(ctx, s.pool, q)
	if err != nil {
		return nil, err
	}
	by := map[string]*VATSummary{}
	rates := map[string]map[string]*VATRateSum{}
	for _, ld := range days {
		v := by[ld.exhibitorID]
		if v == nil {
			v = &VATSummary{ExhibitorID: ld.exhibitorID, Name: ld.name, BIN: ld.bin, Gross: decimal.Zero, VAT: decimal.Zero}
			by[ld.exhibitorID] = v
			rates[ld.exhibitorID] = map[string]*VATRateSum{}
		}
		v.Admissions += ld.admissions
		v.Gross = v.Gross.Add(ld.gross)
		v.VAT = v.VAT.Add(ld.vat)
		rs := rates[ld.exhibitorID][ld.rate.String()]
		if rs == nil {
			rs = &VATRateSum{Rate: ld.rate, Gross: decimal.Zero, VAT: decimal.Zero}
			rates[ld.exhibitorID][ld.rate.String()] = rs
		}
		rs.Gross = rs.Gross.Add(ld.gross)
		rs.VAT = rs.VAT.Add(ld.vat)
	}
	out := make([]VATSummary, 0, len(by))
	for id, v := range by {
		v.Net = v.Gross.Sub(v.VAT)
		for _, rs := range rates[id] {
			v.ByRate = append(v.ByRate, *rs)
		}
		sort.Slice(v.ByRate, func(i, j int) bool { return v.ByRate[i].Rate.LessThan(v.ByRate[j].Rate) })
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ExhibitorID < out[j].ExhibitorID })
	return out, nil
}
