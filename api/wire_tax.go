package api

import (
	"time"

	"github.com/shopspring/decimal"

	"ecinema/settlement"
)

// The wire forms of the tax answers (SPEC 7): money as strings with two
// fraction digits, dates as YYYY-MM-DD, missing fiscal data as null.

// fiscalUploadRequest is the JSON body of POST /v1/tax/fiscal-totals.
type fiscalUploadRequest struct {
	Records []fiscalRecordJSON `json:"records"`
}

type fiscalUploadJSON struct {
	Entry struct {
		Seq      int64  `json:"seq"`
		LeafHash string `json:"leaf_hash"`
	} `json:"entry"`
	Accepted   int `json:"accepted"`
	Superseded int `json:"superseded"`
}

type fiscalRecordJSON struct {
	BIN      string `json:"bin"`
	Date     string `json:"date"`
	Amount   string `json:"amount"`
	Receipts *int64 `json:"receipts"`
}

type reconJSON struct {
	From      string         `json:"from"`
	To        string         `json:"to"`
	BIN       *string        `json:"bin"`
	Tolerance string         `json:"tolerance"`
	Items     []reconRowJSON `json:"items"`
	Totals    struct {
		LedgerGross  string         `json:"ledger_gross"`
		LedgerVAT    string         `json:"ledger_vat"`
		FiscalAmount string         `json:"fiscal_amount"`
		Difference   string         `json:"difference"`
		Statuses     map[string]int `json:"statuses"`
	} `json:"totals"`
}

type reconRowJSON struct {
	BIN              string  `json:"bin"`
	ExhibitorIDs     string  `json:"exhibitor_ids"`
	ExhibitorName    string  `json:"exhibitor_name"`
	Date             string  `json:"date"`
	LedgerGross      string  `json:"ledger_gross"`
	LedgerVAT        string  `json:"ledger_vat"`
	LedgerAdmissions int64   `json:"ledger_admissions"`
	FiscalAmount     *string `json:"fiscal_amount"`
	FiscalReceipts   *int64  `json:"fiscal_receipts"`
	Difference       string  `json:"difference"`
	Status           string  `json:"status"`
}

func money2(d decimal.Decimal) string { return d.StringFixed(2) }

func reconWire(rec settlement.Reconciliation, q settlement.TaxQuery) reconJSON {
	out := reconJSON{From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly), BIN: optional(q.BIN),
		Tolerance: money2(q.Tolerance), Items: make([]reconRowJSON, 0, len(rec.Rows))}
	for _, r := range rec.Rows {
		j := reconRowJSON{BIN: r.BIN, ExhibitorIDs: r.ExhibitorIDs, ExhibitorName: r.ExhibitorName, Date: r.Date.Format(time.DateOnly),
			LedgerGross: money2(r.LedgerGross), LedgerVAT: money2(r.LedgerVAT), LedgerAdmissions: r.LedgerAdmissions,
			Difference: money2(r.Difference), Status: r.Status}
		if r.HasFiscal {
			a, n := money2(r.FiscalAmount), r.FiscalReceipts
			j.FiscalAmount, j.FiscalReceipts = &a, &n
		}
		out.Items = append(out.Items, j)
	}
	t := rec.Totals
	out.Totals.LedgerGross, out.Totals.LedgerVAT = money2(t.LedgerGross), money2(t.LedgerVAT)
	out.Totals.FiscalAmount, out.Totals.Difference, out.Totals.Statuses = money2(t.FiscalAmount), money2(t.Difference), t.Statuses
	return out
}

type vatSummaryJSON struct {
	ExhibitorID string           `json:"exhibitor_id"`
	Name        string           `json:"name"`
	BIN         string           `json:"bin"`
	Admissions  int64            `json:"admissions"`
	Gross       string           `json:"gross"`
	VAT         string           `json:"vat"`
	Net         string           `json:"net"`
	ByRate      []vatRateSumJSON `json:"by_rate"`
}

type vatRateSumJSON struct {
	Rate  string `json:"rate"`
	Gross string `json:"gross"`
	VAT   string `json:"vat"`
}

func vatSummaryWire(v settlement.VATSummary) vatSummaryJSON {
	out := vatSummaryJSON{ExhibitorID: v.ExhibitorID, Name: v.Name, BIN: v.BIN, Admissions: v.Admissions,
		Gross: money2(v.Gross), VAT: money2(v.VAT), Net: money2(v.Net), ByRate: []vatRateSumJSON{}}
	for _, r := range v.ByRate {
		out.ByRate = append(out.ByRate, vatRateSumJSON{Rate: r.Rate.String(), Gross: money2(r.Gross), VAT: money2(r.VAT)})
	}
	return out
}
