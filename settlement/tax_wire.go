package settlement

// ReconRowJSON is a reconciliation row on the wire.
type ReconRowJSON struct {
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

// JSON returns the wire form of a row (fiscal fields null when missing).
func (r ReconRow) JSON() ReconRowJSON {
	out := ReconRowJSON{BIN: r.BIN, ExhibitorIDs: r.ExhibitorIDs, ExhibitorName: r.ExhibitorName, Date: day(r.Date),
		LedgerGross: money(r.LedgerGross), LedgerVAT: money(r.LedgerVAT), LedgerAdmissions: r.LedgerAdmissions,
		Difference: money(r.Difference), Status: r.Status}
	if r.HasFiscal {
		a, n := money(r.FiscalAmount), r.FiscalReceipts
		out.FiscalAmount, out.FiscalReceipts = &a, &n
	}
	return out
}

// VATSummaryJSON is an exhibitor's VAT summary on the wire.
type VATSummaryJSON struct {
	ExhibitorID string           `json:"exhibitor_id"`
	Name        string           `json:"name"`
	BIN         string           `json:"bin"`
	Admissions  int64            `json:"admissions"`
	Gross       string           `json:"gross"`
	VAT         string           `json:"vat"`
	Net         string           `json:"net"`
	ByRate      []VATRateSumJSON `json:"by_rate"`
}

// VATRateSumJSON is the part of a summary at one rate.
type VATRateSumJSON struct {
	Rate  string `json:"rate"`
	Gross string `json:"gross"`
	VAT   string `json:"vat"`
}

// JSON returns the wire form.
func (v VATSummary) JSON() VATSummaryJSON {
	out := VATSummaryJSON{ExhibitorID: v.ExhibitorID, Name: v.Name, BIN: v.BIN, Admissions: v.Admissions,
		Gross: money(v.Gross), VAT: money(v.VAT), Net: money(v.Net), ByRate: []VATRateSumJSON{}}
	for _, r := range v.ByRate {
		out.ByRate = append(out.ByRate, VATRateSumJSON{Rate: r.Rate.String(), Gross: money(r.Gross), VAT: money(r.VAT)})
	}
	return out
}
