package api

import (
	"errors"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
)

const principalKey = "principal"

// Errors of access control; errors.go maps them.
var (
	errForbidden = errors.New("the API key may not do this")
	errNoKey     = errors.New("an API key is required: Authorization: Bearer <key>")
)

// authenticate resolves the bearer key to a principal for every /v1 route
// that is not public.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || secret == "" {
			return errNoKey
		}
		if s.deps.Keys == nil {
			return errNotWired
		}
		p, err := s.deps.Keys.Resolve(c.Request().Context(), strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

// principal returns who the request acts as; authenticate has set it.
func principal(c echo.Context) apikey.Principal {
	p, _ := c.Get(principalKey).(apikey.Principal)
	return p
}

// Role sets used by the route table.
var (
	admins       = []apikey.Role{apikey.RoleAdmin}
	anyRole      = apikey.Roles
	posOnly      = []apikey.Role{apikey.RolePOS}
	readers      = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst, apikey.RoleTax}
	ledgerRoles  = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RolePOS, apikey.RoleExhibitor, apikey.RoleProducer, apikey.RoleDistributor}
	partyRoles   = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleTax, apikey.RoleProducer, apikey.RoleDistributor, apikey.RoleExhibitor, apikey.RoleRightsHolder}
	analystRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst, apikey.RoleTax, apikey.RoleProducer, apikey.RoleDistributor}
	taxRoles     = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleTax}
)

// allow is the one authorisation decision for a route: the principal's
// role must be among roles. Object scope (which cinema, which party) is
// checked by the handler with scopeCinema / scopeParty, or by the domain
// service for derived scopes (a producer's films).
func allow(roles []apikey.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !slices.Contains(roles, principal(c).Role) {
				return errForbidden
			}
			return next(c)
		}
	}
}

// scopeCinema checks that a cinema-scoped key acts for cinemaID.
func scopeCinema(p apikey.Principal, cinemaID string) error {
	if p.CinemaID != "" && p.CinemaID != cinemaID {
		return errForbidden
	}
	return nil
}

// scopeParty checks that a party-scoped key acts for partyID.
func scopeParty(p apikey.Principal, partyID string) error {
	if p.PartyID != "" && p.PartyID != partyID {
		return errForbidden
	}
	return nil
}
