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
			var in fiscalUploadRequest
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
			raw := make([]settlement.FiscalRecordBody, len(in.Records))
			for i, r := range in.Records {
				raw[i] = settlement.FiscalRecordBody(r)
			}
			recs, err = settlement.ParseFiscalRecords(raw)
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

// handleReconciliation answers GET /v1/tax/reconciliation (SPEC 7).
func handleReconciliation(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		q := taxQuery(c, &ve)
		format := queryFormat(c, &ve)
		if err := ve.Err(); err != nil {
			return err
		}
		rec, err := svc.Reconciliation(c.Request().Context(), q)
		if err != nil {
			return err
		}
		if format != "json" {
			l := requestLang(c)
			return tableFile(c, settlement.ReconTable(rec, q, l),
				"reconciliation_"+q.From.Format(time.DateOnly)+"_"+q.To.Format(time.DateOnly), format,
				l.Pick("Жиынтық", "Итоги", "Summary"), l.Pick("Салыстыру", "Сверка", "Reconciliation"))
		}
		return c.JSON(http.StatusOK, reconWire(rec, q))
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
		items := make([]vatSummaryJSON, 0, len(sums))
		for _, s := range sums {
			items = append(items, vatSummaryWire(s))
		}
		return c.JSON(http.StatusOK, struct {
			From  string           `json:"from"`
			To    string           `json:"to"`
			Items []vatSummaryJSON `json:"items"`
		}{q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), items})
	}
}
