package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/hubs"
	"ecinema/culture/langmap"
)

// Roles of the hubs.
var (
	hubOperators   = []apikey.Role{apikey.RoleHubOperator}
	hubPitchRoles  = []apikey.Role{apikey.RoleHubOperator, apikey.RoleAdmin, apikey.RoleFundOfficer}
	investorReader = []apikey.Role{apikey.RoleAdmin, apikey.RoleHubOperator, apikey.RoleFundOfficer}
)

// ownHub refuses a hub_operator key acting for another hub.
func ownHub(c echo.Context) error {
	p := principal(c)
	if p.Role == apikey.RoleHubOperator && p.Scope != c.Param("id") {
		return errForbidden
	}
	return nil
}

// hubsHandler answers 503 when hubs are not wired, checks the hub scope,
// runs h and answers its value with status.
func hubsHandler(svc *hubs.Service, status int, h func(c echo.Context) (any, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		if err := ownHub(c); err != nil {
			return err
		}
		out, err := h(c)
		if err != nil {
			return err
		}
		return c.JSON(status, out)
	}
}

func handleHubPut(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		var in hubs.Hub
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.PutHub(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleHubGet(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		return svc.Hub(c.Request().Context(), c.Param("id"))
	})
}

func handleHubList(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		p, err := pageParams(c)
		if err != nil {
			return nil, err
		}
		items, next, err := svc.Hubs(c.Request().Context(), hubs.Page{Limit: p.Limit, Cursor: p.Cursor})
		return listResponse[hubs.Hub]{Items: items, NextCursor: next}, err
	})
}

func handleHubEventPut(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		var in hubs.EventInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.PutEvent(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("eid"), in)
	})
}

func handleHubEventGet(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		return svc.Event(c.Request().Context(), c.Param("id"), c.Param("eid"))
	})
}

func handleInvestorPut(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		var in hubs.Investor
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.PutInvestor(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleInvestorGet(svc *hubs.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		in, err := svc.Investor(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, in)
	}
}

func handleInvestorList(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		p, err := pageParams(c)
		if err != nil {
			return nil, err
		}
		items, next, err := svc.Investors(c.Request().Context(), hubs.Page{Limit: p.Limit, Cursor: p.Cursor})
		return listResponse[hubs.Investor]{Items: items, NextCursor: next}, err
	})
}

func handlePitchPut(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		var in hubs.Pitch
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.PutPitch(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("pid"), in)
	})
}

func handlePitchGet(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		return svc.Pitch(c.Request().Context(), c.Param("id"), c.Param("pid"))
	})
}

func handlePitchMatches(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		ms, err := svc.Matches(c.Request().Context(), c.Param("id"), c.Param("pid"))
		return listResponse[hubs.Match]{Items: ms}, err
	})
}

// introductionRequest is the body of an introduction.
type introductionRequest struct {
	InvestorID string `json:"investor_id"`
}

func handleIntroduce(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusCreated, func(c echo.Context) (any, error) {
		var in introductionRequest
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.Introduce(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("pid"), in.InvestorID)
	})
}

func handleIntroductions(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		is, err := svc.Introductions(c.Request().Context(), c.Param("id"), c.Param("pid"))
		return listResponse[hubs.Introduction]{Items: is}, err
	})
}

func handleIntroductionOutcome(svc *hubs.Service) echo.HandlerFunc {
	return hubsHandler(svc, http.StatusOK, func(c echo.Context) (any, error) {
		var in hubs.OutcomeInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.Outcome(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("pid"), c.Param("iid"), in)
	})
}

func hubLang(c echo.Context) string {
	return langmap.Negotiate(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
}

func handleHubsGeoJSON(svc *hubs.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		all, err := svc.All(c.Request().Context())
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
		c.Response().WriteHeader(http.StatusOK)
		return hubs.WriteGeoJSON(c.Response(), all, hubLang(c), func(id string) string { return "/hubs/" + id + "/events.ics" })
	}
}

func handleHubICal(svc *hubs.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		h, events, err := svc.Events(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, "text/calendar; charset=utf-8")
		c.Response().WriteHeader(http.StatusOK)
		return hubs.WriteICal(c.Response(), h, events, hubLang(c))
	}
}
