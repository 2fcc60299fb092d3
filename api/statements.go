package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/settlement"
	"ecinema/validate"
)

// handleStatements answers GET /v1/statements?party&from&to&format (SPEC 5).
// Admin, tax and auditor keys read any party; producer, distributor and
// rights-holder keys only their own party; an exhibitor key its own party,
// or, when scoped to one cinema, that cinema's lines of its owner.
func handleStatements(svc *settlement.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		party := c.QueryParam("party")
		ve.ID("party", party)
		from := queryDate(c, &ve, "from", true)
		to := queryDate(c, &ve, "to", true)
		format := c.QueryParam("format")
		switch format {
		case "":
			format = "json"
		case "json", "csv", "xlsx", "pdf":
		default:
			ve.Add("format", "invalid", "must be json, csv, xlsx or pdf")
		}
		csvOpt := csvOptions(c, &ve)
		part := c.QueryParam("part")
		switch part {
		case "", "lines":
		case "totals":
			if format != "csv" {
				ve.Add("part", "invalid", "part=totals is for format=csv (XLSX, PDF and JSON carry their totals)")
			}
		default:
			ve.Add("part", "invalid", "must be lines or totals")
		}
		if err := ve.Err(); err != nil {
			return err
		}
		ctx := c.Request().Context()
		q := settlement.StatementQuery{PartyID: party, From: from, To: to}
		if err := statementScope(ctx, svc, principal(c), &q); err != nil {
			return err
		}
		st, err := svc.Statement(ctx, q)
		if err != nil {
			return err
		}
		st.Lang = requestLang(c)
		switch format {
		case "csv":
			if part == "totals" {
				return attachment(c, settlement.ContentTypeCSV, strings.TrimSuffix(st.Filename("csv"), ".csv")+"_totals.csv",
					func(w io.Writer) error { return st.WriteTotalsCSV(w, csvOpt) })
			}
			return attachment(c, settlement.ContentTypeCSV, st.Filename(format),
				func(w io.Writer) error { return st.WriteCSV(w, csvOpt) })
		case "xlsx":
			return attachment(c, settlement.ContentTypeXLSX, st.Filename(format), st.WriteXLSX)
		case "pdf":
			return attachment(c, settlement.ContentTypePDF, st.Filename(format), st.WritePDF)
		}
		return c.JSON(http.StatusOK, statementWire(st))
	}
}

// statementScope is the object-scope decision for statements.
func statementScope(ctx context.Context, svc *settlement.Service, p apikey.Principal, q *settlement.StatementQuery) error {
	switch p.Role {
	case apikey.RoleAdmin, apikey.RoleTax, apikey.RoleAuditor:
		return nil
	case apikey.RoleProducer, apikey.RoleDistributor, apikey.RoleRightsHolder:
		if p.PartyID == "" || p.PartyID != q.PartyID {
			return otherParty(p, q.PartyID)
		}
		return nil
	case apikey.RoleExhibitor:
		if p.PartyID != "" {
			if p.PartyID != q.PartyID {
				return otherParty(p, q.PartyID)
			}
			return nil
		}
		if p.CinemaID == "" {
			return errForbidden
		}
		owner, err := svc.ExhibitorOf(ctx, p.CinemaID)
		if errors.Is(err, settlement.ErrCinemaNotFound) {
			return errForbidden // the key's cinema is gone: it reads nothing
		}
		if err != nil {
			return err // a database failure is a 500 or 503, not a refusal
		}
		if owner != q.PartyID {
			return validate.Refuse(errForbidden, "party", "this key (role %s, cinema %q) reads only the statement of its cinema's owner, party %q, not party %q",
				p.Role, p.CinemaID, owner, q.PartyID)
		}
		q.CinemaID = p.CinemaID
		return nil
	}
	return errForbidden
}

// otherParty is the 403 of a party-scoped key asking for another party's
// statement: it says which party the key reads.
func otherParty(p apikey.Principal, asked string) error {
	if p.PartyID == "" {
		return validate.Refuse(errForbidden, "party", "this key (role %s) has no party scope and reads no statement", p.Role)
	}
	return validate.Refuse(errForbidden, "party", "this key (role %s, party %q) reads only party %q's statements, not party %q's",
		p.Role, p.PartyID, p.PartyID, asked)
}
