package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/hubs"
	"ecinema/registry"
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

// hubReply is reply on a route of one hub (/hubs/:id/…): a hub_operator
// key acts for its own hub only.
func hubReply[T any](status int, act func(c echo.Context) (T, error)) echo.HandlerFunc {
	return reply(status, func(c echo.Context) (T, error) {
		if err := ownHub(c); err != nil {
			var zero T
			return zero, err
		}
		return act(c)
	})
}

// hubBody is hubReply with the JSON body decoded into an In.
func hubBody[In, T any](status int, act func(c echo.Context, in In) (T, error)) echo.HandlerFunc {
	return hubReply(status, withBody(act))
}

func handleHubPut(svc *hubs.Service) echo.HandlerFunc {
	return hubBody(http.StatusOK, func(c echo.Context, in hubs.Hub) (hubs.Hub, error) {
		return svc.PutHub(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleHubGet(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (hubs.Hub, error) {
		return svc.Hub(c.Request().Context(), c.Param("id"))
	})
}

// handleHubList lists every hub, to any key (a hub_operator's too: the
// list is of no one hub).
func handleHubList(svc *hubs.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]hubs.Hub, string, error) {
		return svc.Hubs(c.Request().Context(), hubs.Page{Limit: p.Limit, Cursor: p.Cursor})
	})
}

func handleHubEventPut(svc *hubs.Service) echo.HandlerFunc {
	return hubBody(http.StatusOK, func(c echo.Context, in hubs.EventInput) (hubs.Event, error) {
		return svc.PutEvent(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("eid"), in)
	})
}

// handleHubEvents lists a hub's events in time order (its calendar, as
// JSON; /hubs/{id}/events.ics is the same as iCalendar).
func handleHubEvents(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (listResponse[hubs.Event], error) {
		_, events, err := svc.Events(c.Request().Context(), c.Param("id"))
		return listOf(events, err)
	})
}

// handlePitches lists a hub's pitches a page at a time, by id.
func handlePitches(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (listResponse[hubs.Pitch], error) {
		p, err := pageParams(c)
		if err != nil {
			return listResponse[hubs.Pitch]{}, err
		}
		return pageOf(svc.Pitches(c.Request().Context(), c.Param("id"), hubs.Page{Limit: p.Limit, Cursor: p.Cursor}))
	})
}

func handleHubEventGet(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (hubs.Event, error) {
		return svc.Event(c.Request().Context(), c.Param("id"), c.Param("eid"))
	})
}

// Investors are no hub's: their routes' :id is the investor.

func handleInvestorPut(svc *hubs.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in hubs.Investor) (hubs.Investor, error) {
		return svc.PutInvestor(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleInvestorGet(svc *hubs.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (hubs.Investor, error) {
		return svc.Investor(c.Request().Context(), c.Param("id"))
	})
}

func handleInvestorList(svc *hubs.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]hubs.Investor, string, error) {
		return svc.Investors(c.Request().Context(), hubs.Page{Limit: p.Limit, Cursor: p.Cursor})
	})
}

func handlePitchPut(svc *hubs.Service) echo.HandlerFunc {
	return hubBody(http.StatusOK, func(c echo.Context, in hubs.Pitch) (hubs.Pitch, error) {
		return svc.PutPitch(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("pid"), in)
	})
}

func handlePitchGet(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (hubs.Pitch, error) {
		return svc.Pitch(c.Request().Context(), c.Param("id"), c.Param("pid"))
	})
}

func handlePitchMatches(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (listResponse[hubs.Match], error) {
		return listOf(svc.Matches(c.Request().Context(), c.Param("id"), c.Param("pid")))
	})
}

// introductionRequest is the body of an introduction.
type introductionRequest struct {
	InvestorID string `json:"investor_id"`
}

func handleIntroduce(svc *hubs.Service) echo.HandlerFunc {
	return hubBody(http.StatusCreated, func(c echo.Context, in introductionRequest) (hubs.Introduction, error) {
		k, err := cultureIdem(c, in)
		if err != nil {
			return hubs.Introduction{}, err
		}
		return created(c, func(in hubs.Introduction) string {
			return "/v1/hubs/" + in.HubID + "/pitches/" + in.PitchID + "/introductions/" + in.ID
		})(svc.Introduce(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("pid"), in.InvestorID, k))
	})
}

func handleIntroductionGet(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (hubs.Introduction, error) {
		return svc.Introduction(c.Request().Context(), c.Param("id"), c.Param("pid"), c.Param("iid"))
	})
}

func handleIntroductions(svc *hubs.Service) echo.HandlerFunc {
	return hubReply(http.StatusOK, func(c echo.Context) (listResponse[hubs.Introduction], error) {
		return listOf(svc.Introductions(c.Request().Context(), c.Param("id"), c.Param("pid")))
	})
}

func handleIntroductionOutcome(svc *hubs.Service) echo.HandlerFunc {
	return hubBody(http.StatusOK, func(c echo.Context, in hubs.OutcomeInput) (hubs.Introduction, error) {
		k, err := cultureIdem(c, in)
		if err != nil {
			return hubs.Introduction{}, err
		}
		return svc.Outcome(c.Request().Context(), principal(c).KeyID, c.Param("id"), c.Param("pid"), c.Param("iid"), in, k)
	})
}

func handleHubsGeoJSON(svc *hubs.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		all, err := svc.All(c.Request().Context())
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
		c.Response().WriteHeader(http.StatusOK)
		return hubs.WriteGeoJSON(c.Response(), all, cultureLang(c), func(id string) string { return "/hubs/" + id + "/events.ics" })
	}
}

func handleHubICal(svc *hubs.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		h, events, err := svc.Events(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, "text/calendar; charset=utf-8")
		c.Response().WriteHeader(http.StatusOK)
		return hubs.WriteICal(c.Response(), h, events, cultureLang(c))
	}
}
