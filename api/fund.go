package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/fund"
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

// fundHandler answers 503 when the fund is not wired, else runs h.
func fundHandler(svc *fund.Service, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		return h(c)
	}
}

func handleFundCallPut(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		var in fund.Call
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out, err := svc.PutCall(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	})
}

func handleFundCallGet(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		out, err := svc.Call(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	})
}

func handleFundCallList(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		items, next, err := svc.Calls(c.Request().Context(), fund.Page{Limit: p.Limit, Cursor: p.Cursor})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[fund.Call]{Items: items, NextCursor: next})
	})
}

func handleFundApply(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		var in fund.ApplicationInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		p := principal(c)
		kind := fund.ApplicantKind(p.Role == apikey.RoleNGO, p.Scope)
		out, err := svc.Apply(c.Request().Context(), p.KeyID, c.Param("id"), p.Scope, kind, in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, out)
	})
}

func handleFundApplications(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		items, next, err := svc.Applications(c.Request().Context(), c.Param("id"), fund.Page{Limit: p.Limit, Cursor: p.Cursor})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[fund.Application]{Items: items, NextCursor: next})
	})
}

func handleFundApplicationGet(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		a, err := svc.Application(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		if err := ownBIN(c, a.BIN); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, a)
	})
}

func handleFundReviewPut(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		p, expert := principal(c), c.Param("expert")
		if p.Scope != expert {
			return errForbidden
		}
		var in fund.ReviewInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out, err := svc.PutReview(c.Request().Context(), p.KeyID, c.Param("id"), expert, in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	})
}

func handleFundReviews(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		rs, err := svc.Reviews(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[fund.Review]{Items: rs})
	})
}

func handleFundDecision(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		var in fund.DecisionInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out, err := svc.Decide(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, out)
	})
}

func handleFundGrantGet(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		g, err := svc.Grant(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		if err := ownBIN(c, g.BIN); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, g)
	})
}

func handleFundDisburse(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		var in fund.DisbursementInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out, err := svc.Disburse(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, out)
	})
}

func handleFundStats(svc *fund.Service, deals Investments) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		year := time.Now().Year()
		if s := c.QueryParam("year"); s != "" {
			y, err := strconv.Atoi(s)
			if err != nil || y < 1991 || y > 9999 {
				return badQuery("year", "must be a year like 2026")
			}
			year = y
		}
		var inv []fund.Investment
		if deals != nil {
			var err error
			if inv, err = deals(c.Request().Context(), year); err != nil {
				return err
			}
		}
		st, err := svc.Stats(c.Request().Context(), year, inv)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	})
}

func handleFundGiving(svc *fund.Service) echo.HandlerFunc {
	return fundHandler(svc, func(c echo.Context) error {
		p, err := svc.Giving(c.Request().Context())
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		c.Response().WriteHeader(http.StatusOK)
		return fund.WriteGiving(c.Response(), p)
	})
}
