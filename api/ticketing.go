package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/ticketing"
)

// Unified e-ticketing (CULTURE.md section 1). A venue key acts for its
// venue (Principal.Scope); admin keys for any venue; the service checks
// object scope.

// Role sets of the ticketing routes.
var (
	venueWriters = []apikey.Role{apikey.RoleAdmin, apikey.RoleVenue}
	venueOnly    = []apikey.Role{apikey.RoleVenue}
	// ticketStatsRoles read statistics; a venue key sees its own venue.
	ticketStatsRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst, apikey.RoleVenue}
)

// ticketCaller maps the principal to the service's caller.
func ticketCaller(c echo.Context) ticketing.Caller {
	p := principal(c)
	tc := ticketing.Caller{KeyID: p.KeyID}
	if p.Role == apikey.RoleVenue {
		tc.VenueID = p.Scope
	}
	return tc
}

func ticketPage(c echo.Context) (ticketing.Page, error) {
	p := ticketing.Page{Cursor: c.QueryParam("cursor")}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return p, badQuery("limit", "must be an integer 1..500")
		}
		p.Limit = n
	}
	return p, nil
}

// ticketHandler guards every ticketing handler against a missing service.
func ticketHandler(svc *ticketing.Service, h func(c echo.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		return h(c)
	}
}

func handleVenuePut(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		var in ticketing.Venue
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		v, err := svc.PutVenue(c.Request().Context(), ticketCaller(c), c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
}

func handleVenueGet(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		v, err := svc.Venue(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
}

func handleVenueList(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		p, err := ticketPage(c)
		if err != nil {
			return err
		}
		vs, next, err := svc.Venues(c.Request().Context(), c.QueryParam("kind"), p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[ticketing.Venue]{Items: vs, NextCursor: next})
	})
}

func handleTicketingVersions(svc *ticketing.Service, kind string) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		id := c.Param("id")
		if kind == "session" {
			id = c.Param("sid")
		}
		vs, err := svc.Versions(c.Request().Context(), kind, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[ticketing.Version]{Items: vs})
	})
}

func handleVenueKeyRotate(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		k, err := svc.RotateKey(c.Request().Context(), ticketCaller(c), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, k)
	})
}

func handleTicketKeys(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		ks, err := svc.TrustList(c.Request().Context(), c.QueryParam("venue"))
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=60")
		return c.JSON(http.StatusOK, struct {
			Keys []ticketing.PublicKey `json:"keys"`
		}{ks})
	})
}

func handleEventPut(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		var in ticketing.Event
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		ev, err := svc.PutEvent(c.Request().Context(), ticketCaller(c), c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ev)
	})
}

func handleEventGet(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		ev, err := svc.Event(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ev)
	})
}

func handleEventList(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		p, err := ticketPage(c)
		if err != nil {
			return err
		}
		evs, next, err := svc.Events(c.Request().Context(), c.QueryParam("venue"), p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[ticketing.Event]{Items: evs, NextCursor: next})
	})
}

func handleSessionPut(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		var in ticketing.Session
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		s, err := svc.PutSession(c.Request().Context(), ticketCaller(c), c.Param("id"), c.Param("sid"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s)
	})
}

func handleSessionGet(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		s, err := svc.Session(c.Request().Context(), c.Param("sid"))
		if err != nil {
			return err
		}
		if s.EventID != c.Param("id") {
			return &codedError{http.StatusNotFound, "not_found", "session " + s.ID + " is not a session of event " + c.Param("id"), nil}
		}
		return c.JSON(http.StatusOK, s)
	})
}

func handleSessionList(svc *ticketing.Service) echo.HandlerFunc {
	return ticketHandler(svc, func(c echo.Context) error {
		p, err := ticketPage(c)
		if err != nil {
			return err
		}
		if _, err := svc.Event(c.Request().Context(), c.Param("id")); err != nil {
			return err
		}
		ss, next, err := svc.Sessions(c.Request().Context(), c.Param("id"), p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[ticketing.Session]{Items: ss, NextCursor: next})
	})
}
