package api

import (
	"encoding/json"
	"time"

	"ecinema/settlement"
)

// The wire form of a statement (GET /v1/statements, SPEC 5): money as
// strings with two fraction digits, percentages as decimals, months as
// YYYY-MM, days as YYYY-MM-DD. The totals are settlement.TotalsBody: the
// bytes whose SHA-256 a period_close entry records for the party, so a
// party can check its statement against the ledger.

type statementJSON struct {
	Party   statementPartyJSON    `json:"party"`
	From    string                `json:"from"`
	To      string                `json:"to"`
	Kind    string                `json:"kind"` // "statement" or "royalty_statement"
	Periods []statementPeriodJSON `json:"periods"`
	Lines   []any                 `json:"lines"` // statementLineJSON or royaltyLineJSON
	Totals  json.RawMessage       `json:"totals"`
}

type statementPartyJSON struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	BIN  string `json:"bin"`
}

type statementPeriodJSON struct {
	Period        string `json:"period"`
	Status        string `json:"status"`
	CloseEntrySeq *int64 `json:"close_entry_seq,omitempty"`
}

// statementLineJSON is a full settlement line.
type statementLineJSON struct {
	Period             string  `json:"period"`
	Adjustment         bool    `json:"adjustment"`
	FilmID             string  `json:"film_id"`
	FilmTitle          string  `json:"film_title"`
	CinemaID           string  `json:"cinema_id"`
	CinemaName         string  `json:"cinema_name"`
	ExhibitorID        string  `json:"exhibitor_id"`
	Week               int     `json:"week"`
	FirstDay           string  `json:"first_day"`
	LastDay            string  `json:"last_day"`
	VATPayer           bool    `json:"vat_payer"`
	RoyaltyPct         string  `json:"royalty_pct"`
	DistributorPct     string  `json:"distributor_pct"`
	DistributionFeePct string  `json:"distribution_fee_pct"`
	Admissions         int64   `json:"admissions"`
	Gross              string  `json:"gross"`
	VAT                string  `json:"vat"`
	Net                string  `json:"net"`
	Royalty            string  `json:"royalty"`
	Rentable           string  `json:"rentable"` // net − royalty = exhibitor_share + distribution_fee + producer_gross
	Rental             string  `json:"rental"`   // distribution_fee + producer_gross
	ExhibitorShare     string  `json:"exhibitor_share"`
	DistributionFee    string  `json:"distribution_fee"`
	ProducerGross      string  `json:"producer_gross"`
	Recoupment         *string `json:"recoupment,omitempty"`     // not on exhibitor statements
	ProducerShare      *string `json:"producer_share,omitempty"` // not on exhibitor statements
}

// royaltyLineJSON is a rights holder's royalty line.
type royaltyLineJSON struct {
	Period      string `json:"period"`
	Adjustment  bool   `json:"adjustment"`
	FilmID      string `json:"film_id"`
	FilmTitle   string `json:"film_title"`
	CinemaID    string `json:"cinema_id"`
	CinemaName  string `json:"cinema_name"`
	Week        int    `json:"week"`
	FirstDay    string `json:"first_day"`
	LastDay     string `json:"last_day"`
	RoyaltyPool string `json:"royalty_pool"`
	Role        string `json:"role"`
	SharePct    string `json:"share_pct"`
	Amount      string `json:"amount"`
}

func yearMonth(t time.Time) string { return t.Format("2006-01") }

func statementWire(st *settlement.Statement) statementJSON {
	out := statementJSON{
		Party: statementPartyJSON{ID: st.Party.ID, Kind: st.Party.Kind, Name: st.Party.Name, BIN: st.Party.BIN},
		From:  st.From.Format(time.DateOnly), To: st.To.Format(time.DateOnly), Kind: "statement",
		Periods: make([]statementPeriodJSON, 0, len(st.Periods)), Lines: []any{},
		Totals: settlement.TotalsBody(st.Party.Kind, st.Totals),
	}
	for _, p := range st.Periods {
		pj := statementPeriodJSON{Period: yearMonth(p.Period), Status: "open", CloseEntrySeq: p.EntrySeq}
		if p.Closed {
			pj.Status = "closed"
		}
		out.Periods = append(out.Periods, pj)
	}
	if st.IsRoyalty() {
		out.Kind = "royalty_statement"
		for _, r := range st.RoyaltyLines {
			out.Lines = append(out.Lines, royaltyLineJSON{
				Period: yearMonth(r.Period), Adjustment: r.Adjustment, FilmID: r.FilmID, FilmTitle: r.FilmTitle,
				CinemaID: r.CinemaID, CinemaName: r.CinemaName, Week: r.Week,
				FirstDay: r.FirstDay.Format(time.DateOnly), LastDay: r.LastDay.Format(time.DateOnly),
				RoyaltyPool: money2(r.RoyaltyPool), Role: r.Role, SharePct: r.SharePct.String(), Amount: money2(r.Amount),
			})
		}
		return out
	}
	recoupment := st.ShowsRecoupment()
	for i := range st.Lines {
		l := &st.Lines[i]
		j := statementLineJSON{
			Period: yearMonth(l.Period), Adjustment: l.Adjustment, FilmID: l.FilmID, FilmTitle: l.FilmTitle,
			CinemaID: l.CinemaID, CinemaName: l.CinemaName, ExhibitorID: l.ExhibitorID, Week: l.Week,
			FirstDay: l.FirstDay.Format(time.DateOnly), LastDay: l.LastDay.Format(time.DateOnly), VATPayer: l.VATPayer,
			RoyaltyPct: l.RoyaltyPct.String(), DistributorPct: l.DistributorPct.String(), DistributionFeePct: l.DistributionFeePct.String(),
			Admissions: l.Admissions, Gross: money2(l.Gross), VAT: money2(l.VAT), Net: money2(l.Net), Royalty: money2(l.Royalty),
			Rentable: money2(l.Rentable()), Rental: money2(l.Rental()),
			ExhibitorShare: money2(l.ExhibitorShare), DistributionFee: money2(l.DistributionFee), ProducerGross: money2(l.ProducerGross),
		}
		if recoupment {
			r, s := money2(l.Recoupment), money2(l.ProducerShare)
			j.Recoupment, j.ProducerShare = &r, &s
		}
		out.Lines = append(out.Lines, j)
	}
	return out
}
