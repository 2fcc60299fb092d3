package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/fund"
	"ecinema/kztime"
	"ecinema/registry"
)

// Roles of the fund.
var (
	fundOfficers      = []apikey.Role{apikey.RoleFundOfficer}
	fundReaders       = []apikey.Role{apikey.RoleFundOfficer, apikey.RoleAdmin, apikey.RoleAuditor}
	fundApplicants    = []apikey.Role{apikey.RoleNGO, apikey.RoleApplicant}
	fundAppReaders    = []apikey.Role{apikey.RoleFundOfficer, apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleExpert, apikey.RoleNGO, apikey.RoleApplicant}
	fundGrantReaders  = []apikey.Role{apikey.RoleFundOfficer, apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleNGO, apikey.RoleApplicant}
	fundExperts       = []apikey.Role{apikey.RoleExpert}
	fundStatsReaders  = []apikey.Role{apikey.RoleFundOfficer, apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst}
	fundCallsReadable = anyRole
)

// Investments lists the private investment deals closed in a year, for the
// fund's stats; the hubs module provides it.
type Investments func(ctx context.Context, year int) ([]fund.Investment, error)

func handleFundCallPut(svc *fund.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in fund.Call) (fund.Call, error) {
		return svc.PutCall(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleFundCallGet(svc *fund.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (fund.Call, error) {
		return svc.Call(c.Request().Context(), c.Param("id"))
	})
}

func handleFundCallList(svc *fund.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]fund.Call, string, error) {
		return svc.Calls(c.Request().Context(), fund.Page{Limit: p.Limit, Cursor: p.Cursor})
	})
}

func handleFundApply(svc *fund.Service) echo.HandlerFunc {
	return replyBody(http.StatusCreated, func(c echo.Context, in fund.ApplicationInput) (fund.Application, error) {
		p := principal(c)
		kind := fund.ApplicantKind(p.Role == apikey.RoleNGO, p.Scope)
		k, err := cultureIdem(c, in)
		if err != nil {
			return fund.Application{}, err
		}
		return created(c, func(a fund.Application) string { return "/v1/fund/applications/" + a.ID })(
			svc.Apply(c.Request().Context(), p.KeyID, c.Param("id"), p.Scope, kind, in, k))
	})
}

func handleFundApplications(svc *fund.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]fund.Application, string, error) {
		bin := "" // an applicant lists its own applications; the fund's staff and the experts all
		if k := principal(c); k.Role == apikey.RoleNGO || k.Role == apikey.RoleApplicant {
			bin = k.Scope
		}
		return svc.Applications(c.Request().Context(), c.Param("id"), bin, fund.Page{Limit: p.Limit, Cursor: p.Cursor})
	})
}

func handleFundApplicationGet(svc *fund.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (fund.Application, error) {
		a, err := svc.Application(c.Request().Context(), c.Param("id"))
		if err != nil {
			return a, err
		}
		return a, ownBIN(c, a.BIN)
	})
}

func handleFundReviewPut(svc *fund.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in fund.ReviewInput) (fund.Review, error) {
		p, expert := principal(c), c.Param("expert")
		if p.Scope != expert {
			return fund.Review{}, errForbidden
		}
		return svc.PutReview(c.Request().Context(), p.KeyID, c.Param("id"), expert, in)
	})
}

func handleFundReviews(svc *fund.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[fund.Review], error) {
		return listOf(svc.Reviews(c.Request().Context(), c.Param("id")))
	})
}

func handleFundDecision(svc *fund.Service) echo.HandlerFunc {
	return replyBody(http.StatusCreated, func(c echo.Context, in fund.DecisionInput) (fund.Decision, error) {
		k, err := cultureIdem(c, in)
		if err != nil {
			return fund.Decision{}, err
		}
		return created(c, decisionLocation)(svc.Decide(c.Request().Context(), principal(c).KeyID, c.Param("id"), in, k))
	})
}

// decisionLocation is where a decision's record is read: the grant of an
// award, the application of a rejection.
func decisionLocation(d fund.Decision) string {
	if d.GrantID != "" {
		return "/v1/fund/grants/" + d.GrantID
	}
	return "/v1/fund/applications/" + d.ApplicationID
}

func handleFundGrantGet(svc *fund.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (fund.Grant, error) {
		g, err := svc.Grant(c.Request().Context(), c.Param("id"))
		if err != nil {
			return g, err
		}
		return g, ownBIN(c, g.BIN)
	})
}

func handleFundDisburse(svc *fund.Service) echo.HandlerFunc {
	return replyBody(http.StatusCreated, func(c echo.Context, in fund.DisbursementInput) (fund.Disbursement, error) {
		k, err := cultureIdem(c, in)
		if err != nil {
			return fund.Disbursement{}, err
		}
		return created(c, func(d fund.Disbursement) string { return "/v1/fund/grants/" + d.GrantID })(
			svc.Disburse(c.Request().Context(), principal(c).KeyID, c.Param("id"), in, k))
	})
}

// handleFundStats serves GET /v1/fund/stats?year= (default: the current
// year in Kazakhstan at now).
func handleFundStats(svc *fund.Service, deals Investments, now func() time.Time) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (fund.Stats, error) {
		year := now().In(kztime.Location).Year()
		if s := c.QueryParam("year"); s != "" {
			y, err := strconv.Atoi(s)
			if err != nil || y < 1991 || y > 9999 {
				return fund.Stats{}, badQuery("year", "must be a year like 2026")
			}
			year = y
		}
		var inv []fund.Investment
		if deals != nil {
			var err error
			if inv, err = deals(c.Request().Context(), year); err != nil {
				return fund.Stats{}, err
			}
		}
		return svc.Stats(c.Request().Context(), year, inv)
	})
}

func handleFundGiving(svc *fund.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := svc.Giving(c.Request().Context())
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		c.Response().WriteHeader(http.StatusOK)
		return fund.WriteGiving(c.Response(), p)
	}
}
