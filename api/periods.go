package api

import (
	"encoding/hex"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/settlement"
	"ecinema/validate"
)

type periodCloseJSON struct {
	Period string `json:"period"`
	Entry  struct {
		Seq      int64  `json:"seq"`
		LeafHash string `json:"leaf_hash"`
	} `json:"entry"`
	Lines   int              `json:"lines"`
	Gross   string           `json:"gross"`
	Parties []partyTotalJSON `json:"parties"`
}

// partyTotalJSON is a party's totals hash in a close (as the
// period_close entry records it: the SHA-256 of settlement.TotalsBody).
type partyTotalJSON struct {
	PartyID    string `json:"party_id"`
	Kind       string `json:"kind"`
	TotalsHash string `json:"totals_hash"`
}

func partyTotalWire(pt settlement.PartyTotal) partyTotalJSON {
	return partyTotalJSON{PartyID: pt.PartyID, Kind: pt.Kind, TotalsHash: pt.TotalsHash}
}

func partyTotalsWire(pts []settlement.PartyTotal) []partyTotalJSON {
	out := make([]partyTotalJSON, 0, len(pts))
	for _, pt := range pts {
		out = append(out, partyTotalWire(pt))
	}
	return out
}

// handlePeriodClose answers POST /v1/periods/{YYYY-MM}/close (admin): it
// freezes the month and records a period_close ledger entry.
func handlePeriodClose(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
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
		out.Lines, out.Gross, out.Parties = res.Body.Lines, res.Body.Gross, partyTotalsWire(res.Body.Parties)
		return c.JSON(http.StatusCreated, out)
	}
}

type closedPeriodJSON struct {
	Period   string           `json:"period"`
	EntrySeq int64            `json:"entry_seq"`
	ClosedAt string           `json:"closed_at"`
	Lines    *int             `json:"lines,omitempty"` // national figures: admin, tax, auditor only
	Gross    string           `json:"gross,omitempty"`
	Parties  []partyTotalJSON `json:"parties"`
}

// handlePeriodsList answers GET /v1/periods: the closed months. Admin, tax
// and auditor keys see each close whole (the national gross, every party's
// totals hash); a party's key sees the months and its own party's totals
// hash only (issue 13 D12: the national gross and other parties' hashes
// were shown to every party).
func handlePeriodsList(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		pr := principal(c)
		whole := pr.Role == apikey.RoleAdmin || pr.Role == apikey.RoleTax || pr.Role == apikey.RoleAuditor
		own := pr.PartyID
		if !whole && own == "" && pr.Role == apikey.RoleExhibitor && pr.CinemaID != "" {
			var err error
			if own, err = svc.ExhibitorOf(ctx, pr.CinemaID); err != nil {
				return err
			}
		}
		ps, err := svc.ClosedPeriods(ctx)
		if err != nil {
			return err
		}
		items := make([]closedPeriodJSON, 0, len(ps))
		for _, p := range ps {
			it := closedPeriodJSON{Period: p.Period.Format("2006-01"), EntrySeq: p.EntrySeq,
				ClosedAt: p.ClosedAt.UTC().Format(time.RFC3339), Parties: []partyTotalJSON{}}
			if whole {
				lines := p.Lines
				it.Lines, it.Gross, it.Parties = &lines, p.Body.Gross, partyTotalsWire(p.Body.Parties)
			} else {
				for _, pt := range p.Body.Parties {
					if own != "" && pt.PartyID == own {
						it.Parties = append(it.Parties, partyTotalWire(pt))
					}
				}
			}
			items = append(items, it)
		}
		return c.JSON(http.StatusOK, listResponse[closedPeriodJSON]{Items: items})
	}
}
