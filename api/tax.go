package api

import (
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"ecinema/apikey"
	"ecinema/settlement"
	"ecinema/validate"
)

// fiscalRoles may upload fiscal-receipt totals: the tax authority (SPEC 7).
var fiscalRoles = []apikey.Role{apikey.RoleTax}

// vatSummaryRoles may read VAT summaries; an exhibitor only its own.
var vatSummaryRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleTax, apikey.RoleExhibitor}

type fiscalUploadJSON struct {
	Entry struct {
		Seq      int64  `json:"seq"`
		LeafHash string `json:"leaf_hash"`
	} `json:"entry"`
	Accepted   int `json:"accepted"`
	Superseded int `json:"superseded"`
}

// handleFiscalTotals answers POST /v1/tax/fiscal-totals with JSON
// {"records":[{"bin","date","amount","receipts"}]} or text/csv with the
// header bin,date,amount,receipts. One upload is one fiscal_totals entry.
func handleFiscalTotals(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		var recs []settlement.FiscalRecord
		var err error
		if mt == "text/csv" {
			recs, err = settlement.ParseFiscalCSV(c.Request().Body)
		} else {
			var in struct {
				Records []settlement.FiscalRecordJSON `json:"records"`
			}
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
			recs, err = settlement.ParseFiscalRecords(in.Records)
		}
		if err != nil {
			return err
		}
		res, err := svc.UploadFiscalTotals(c.Request().Context(), principal(c).KeyID, recs)
		if err != nil {
			return err
		}
		var out fiscalUploadJSON
		out.Entry.Seq, out.Entry.LeafHash = res.Entry.Seq, hex.EncodeToString(res.Entry.LeafHash[:])
		out.Accepted, out.Superseded = res.Accepted, res.Superseded
		return c.JSON(http.StatusCreated, out)
	}
}

// taxQuery reads from, to (or period=YYYY-MM), bin and tolerance.
func taxQuery(c echo.Context, ve *validate.Errors) settlement.TaxQuery {
	var q settlement.TaxQuery
	if p := c.QueryParam("period"); p != "" {
		m, err := settlement.ParsePeriod(p)
		if err != nil {
			ve.Add("period", "invalid_period", "must be a month YYYY-MM")
		}
		q.From, q.To = m, m.AddDate(0, 1, -1)
	} else {
		q.From = queryDate(c, ve, "from", true)
		q.To = queryDate(c, ve, "to", true)
	}
	q.BIN = c.QueryParam("bin")
	q.Tolerance = decimal.Zero
	if s := c.QueryParam("tolerance"); s != "" {
		q.Tolerance = ve.Money("tolerance", s, decimal.Zero, decimal.New(1, 12))
	}
	return q
}

type reconJSON struct {
	From      string                    `json:"from"`
	To        string                    `json:"to"`
	BIN       *string                   `json:"bin"`
	Tolerance string                    `json:"tolerance"`
	Items     []settlement.ReconRowJSON `json:"items"`
	Totals    struct {
		LedgerGross  string         `json:"ledger_gross"`
		LedgerVAT    string         `json:"ledger_vat"`
		FiscalAmount string         `json:"fiscal_amount"`
		Difference   string         `json:"difference"`
		Statuses     map[string]int `json:"statuses"`
	} `json:"totals"`
}

// handleReconciliation answers GET /v1/tax/reconciliation (SPEC 7).
func handleReconciliation(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		q := taxQuery(c, &ve)
		format := queryFormat(c, &ve)
		if err := ve.Err(); err != nil {
			return err
		}
		rows, err := svc.Reconciliation(c.Request().Context(), q)
		if err != nil {
			return err
		}
		if format != "json" {
			l := requestLang(c)
			return tableFile(c, settlement.ReconTable(rows, q, l),
				"reconciliation_"+q.From.Format(time.DateOnly)+"_"+q.To.Format(time.DateOnly), format,
				l.Pick("Жиынтық", "Итоги", "Summary"), l.Pick("Салыстыру", "Сверка", "Reconciliation"))
		}
		out := reconJSON{From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly), BIN: optional(q.BIN),
			Tolerance: q.Tolerance.StringFixed(2), Items: make([]settlement.ReconRowJSON, 0, len(rows))}
		lg, lv, fa := decimal.Zero, decimal.Zero, decimal.Zero
		out.Totals.Statuses = map[string]int{settlement.StatusMatch: 0, settlement.StatusUnderReported: 0,
			settlement.StatusOverReported: 0, settlement.StatusNoLedgerData: 0, settlement.StatusNoFiscalData: 0}
		for _, r := range rows {
			out.Items = append(out.Items, r.JSON())
			lg, lv, fa = lg.Add(r.LedgerGross), lv.Add(r.LedgerVAT), fa.Add(r.FiscalAmount)
			out.Totals.Statuses[r.Status]++
		}
		out.Totals.LedgerGross, out.Totals.LedgerVAT = lg.StringFixed(2), lv.StringFixed(2)
		out.Totals.FiscalAmount, out.Totals.Difference = fa.StringFixed(2), fa.Sub(lg).StringFixed(2)
		return c.JSON(http.StatusOK, out)
	}
}

// handleVATSummary answers GET /v1/tax/vat-summary?period=YYYY-MM (or
// from&to) [&bin] [&format=csv]: revenue and VAT per exhibitor by sale date.
// An exhibitor key sees its own party only; one scoped to a cinema, that
// cinema only.
func handleVATSummary(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		q := taxQuery(c, &ve)
		format := queryFormat(c, &ve)
		if err := ve.Err(); err != nil {
			return err
		}
		if p := principal(c); p.Role == apikey.RoleExhibitor {
			owner := p.PartyID
			if owner == "" {
				var err error
				if owner, err = svc.ExhibitorOf(c.Request().Context(), p.CinemaID); errors.Is(err, settlement.ErrCinemaNotFound) {
					return errForbidden
				} else if err != nil {
					return err
				}
			}
			q.ExhibitorID, q.CinemaID = owner, p.CinemaID
		}
		sums, err := svc.VATSummaries(c.Request().Context(), q)
		if err != nil {
			return err
		}
		if format != "json" {
			l := requestLang(c)
			return tableFile(c, settlement.VATSummaryTable(sums, q, l),
				"vat_summary_"+q.From.Format(time.DateOnly)+"_"+q.To.Format(time.DateOnly), format,
				l.Pick("Жиынтық", "Итоги", "Summary"), l.Pick("ҚҚС", "НДС", "VAT"))
		}
		items := make([]settlement.VATSummaryJSON, 0, len(sums))
		for _, s := range sums {
			items = append(items, s.JSON())
		}
		return c.JSON(http.StatusOK, struct {
			From  string                      `json:"from"`
			To    string                      `json:"to"`
			Items []settlement.VATSummaryJSON `json:"items"`
		}{q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), items})
	}
}
