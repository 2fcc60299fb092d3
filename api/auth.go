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
	admins      = []apikey.Role{apikey.RoleAdmin}
	anyRole     = apikey.Roles
	posOnly     = []apikey.Role{apikey.RolePOS}
	ledgerRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RolePOS, apikey.RoleExhibitor, apikey.RoleProducer, apikey.RoleDistributor}
	partyRoles  = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleTax, apikey.RoleProducer, apikey.RoleDistributor, apikey.RoleExhibitor, apikey.RoleRightsHolder}
	// SPEC 6: analyst, admin, auditor everything; producers and distributors rankings too
	// (tax reads gross per exhibitor through /v1/tax).
	rankingRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst, apikey.RoleProducer, apikey.RoleDistributor}
	shareRoles   = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst}
	taxRoles     = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleTax}
	// contractRoles may read rental terms; the handler narrows it to the parties of the contract.
	contractRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleExhibitor, apikey.RoleProducer, apikey.RoleDistributor}
)

// allow is the one authorisation decision for a route: the principal's
// role must be among roles. Object scope (which cinema, which party) is
// decided after it, per resource: posWrite acts for the key's cinema only,
// ledgerScope and statementScope map the principal to what it may read,
// and the ledger reader checks derived scopes (a producer's films).
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
