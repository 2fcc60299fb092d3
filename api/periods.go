package api

import (
	"encoding/hex"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/settlement"
	"ecinema/validate"
)

type periodCloseJSON struct {
	Period string `json:"period"`
	Entry  struct {
		Seq      int64  `json:"seq"`
		LeafHash string `json:"leaf_hash"`
	} `json:"entry"`
	Lines   int                     `json:"lines"`
	Gross   string                  `json:"gross"`
	Parties []settlement.PartyTotal `json:"parties"`
}

// handlePeriodClose answers POST /v1/periods/{YYYY-MM}/close (admin): it
// freezes the month and records a period_close ledger entry.
func handlePeriodClose(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p, err := settlement.ParsePeriod(c.Param("period"))
		if err != nil {
			var ve validate.Errors
			ve.Add("period", "invalid_period", "must be a month YYYY-MM")
			return ve.Err()
		}
		res, err := svc.ClosePeriod(c.Request().Context(), principal(c).KeyID, p)
		if err != nil {
			return err
		}
		var out periodCloseJSON
		out.Period = res.Body.Period
		out.Entry.Seq, out.Entry.LeafHash = res.Entry.Seq, hex.EncodeToString(res.Entry.LeafHash[:])
		out.Lines, out.Gross, out.Parties = res.Body.Lines, res.Body.Gross, res.Body.Parties
		return c.JSON(http.StatusCreated, out)
	}
}

type closedPeriodJSON struct {
	Period   string                  `json:"period"`
	EntrySeq int64                   `json:"entry_seq"`
	ClosedAt string                  `json:"closed_at"`
	Lines    int                     `json:"lines"`
	Gross    string                  `json:"gross"`
	Parties  []settlement.PartyTotal `json:"parties"`
}

// handlePeriodsList answers GET /v1/periods: the closed months.
func handlePeriodsList(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		ps, err := svc.ClosedPeriods(c.Request().Context())
		if err != nil {
			return err
		}
		items := make([]closedPeriodJSON, 0, len(ps))
		for _, p := range ps {
			items = append(items, closedPeriodJSON{Period: p.Period.Format("2006-01"), EntrySeq: p.EntrySeq,
				ClosedAt: p.ClosedAt.UTC().Format(time.RFC3339), Lines: p.Lines, Gross: p.Body.Gross, Parties: p.Body.Parties})
		}
		return c.JSON(http.StatusOK, listResponse[closedPeriodJSON]{Items: items})
	}
}
