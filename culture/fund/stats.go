package fund

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Investment is private money a project attracted (a deal closed at a
// hub), as the hubs package reports it for the stats.
type Investment struct {
	Sector string
	Region string
	Amount decimal.Decimal
}

// StatsRow is one sector's or region's figures.
type StatsRow struct {
	Key               string `json:"key"`
	Awarded           string `json:"awarded"`
	Disbursed         string `json:"disbursed"`
	PrivateInvestment string `json:"private_investment"`
	ExportRevenue     string `json:"export_revenue"`
	Grants            int    `json:"grants"`
	Deals             int    `json:"deals"`
}

// MilestoneExport is the export revenue a grantee reported with one payment.
type MilestoneExport struct {
	GrantID       string `json:"grant_id"`
	BIN           string `json:"bin"`
	Sector        string `json:"sector"`
	Region        string `json:"region"`
	Milestone     string `json:"milestone"`
	Date          string `json:"date"`
	ExportRevenue string `json:"export_revenue"`
}

// Stats are the figures the ministry reports for one year.
type Stats struct {
	Year              int               `json:"year"`
	Awarded           string            `json:"awarded"`
	Disbursed         string            `json:"disbursed"`
	PrivateInvestment string            `json:"private_investment"`
	ExportRevenue     string            `json:"export_revenue"`
	Grants            int               `json:"grants"`
	Deals             int               `json:"deals"`
	BySector          []StatsRow        `json:"by_sector"`
	ByRegion          []StatsRow        `json:"by_region"`
	Milestones        []MilestoneExport `json:"export_revenue_by_milestone"`
}

const (
	statsAwards = `SELECT a.sector, a.region, g.amount FROM fund_grants g JOIN fund_applications a ON a.id = g.application_id
WHERE extract(year FROM g.awarded_on) = $1`
	statsPayments = `SELECT g.id, g.bin, a.sector, a.region, d.milestone, d.date::text, d.amount, d.export_revenue
FROM fund_disbursements d JOIN fund_grants g ON g.id = d.grant_id JOIN fund_applications a ON a.id = g.application_id
WHERE extract(year FROM d.date) = $1 ORDER BY d.date, d.entry_seq`
)

type tally struct {
	awarded, disbursed, invest, export decimal.Decimal
	grants, deals                      int
}

// Stats returns the year's money awarded (by award date), disbursed and
// export revenue reported (by payment date), and the private investment
// attracted (the deals given), by sector and by region.
func (s *Service) Stats(ctx context.Context, year int, deals []Investment) (Stats, error) {
	total := &tally{}
	sectors, regions := map[string]*tally{}, map[string]*tally{}
	get := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	each := func(sector, region string, f func(t *tally)) {
		f(total)
		f(get(sectors, sector))
		f(get(regions, region))
	}
	rows, err := s.pool.Query(ctx, statsAwards, year)
	if err != nil {
		return Stats{}, fmt.Errorf("fund: stats: %w", err)
	}
	var sector, region string
	var amount decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&sector, &region, &amount}, func() error {
		each(sector, region, func(t *tally) { t.awarded = t.awarded.Add(amount); t.grants++ })
		return nil
	}); err != nil {
		return Stats{}, fmt.Errorf("fund: stats: %w", err)
	}
	st := Stats{Year: year, Milestones: []MilestoneExport{}}
	rows, err = s.pool.Query(ctx, statsPayments, year)
	if err != nil {
		return Stats{}, fmt.Errorf("fund: stats: %w", err)
	}
	var m MilestoneExport
	var export decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&m.GrantID, &m.BIN, &m.Sector, &m.Region, &m.Milestone, &m.Date, &amount, &export}, func() error {
		each(m.Sector, m.Region, func(t *tally) { t.disbursed = t.disbursed.Add(amount); t.export = t.export.Add(export) })
		if export.IsPositive() {
			m.ExportRevenue = export.StringFixed(2)
			st.Milestones = append(st.Milestones, m)
		}
		return nil
	}); err != nil {
		return Stats{}, fmt.Errorf("fund: stats: %w", err)
	}
	for _, d := range deals {
		each(d.Sector, d.Region, func(t *tally) { t.invest = t.invest.Add(d.Amount); t.deals++ })
	}
	st.Awarded, st.Disbursed = total.awarded.StringFixed(2), total.disbursed.StringFixed(2)
	st.PrivateInvestment, st.ExportRevenue = total.invest.StringFixed(2), total.export.StringFixed(2)
	st.Grants, st.Deals = total.grants, total.deals
	st.BySector, st.ByRegion = statsRows(sectors), statsRows(regions)
	return st, nil
}

func statsRows(m map[string]*tally) []StatsRow {
	out := make([]StatsRow, 0, len(m))
	for k, t := range m {
		out = append(out, StatsRow{Key: k, Awarded: t.awarded.StringFixed(2), Disbursed: t.disbursed.StringFixed(2),
			PrivateInvestment: t.invest.StringFixed(2), ExportRevenue: t.export.StringFixed(2), Grants: t.grants, Deals: t.deals})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
