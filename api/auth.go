package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/validate"
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
		// RFC 9110 11.1: the scheme is case-insensitive.
		scheme, secret, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return errNoKey
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
	// curators write a museum's catalogue (the handler checks it is theirs);
	// museumReaders also read its events and versions.
	curators      = []apikey.Role{apikey.RoleAdmin, apikey.RoleCurator}
	museumReaders = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleCurator}
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
			if have := principal(c).Role; !slices.Contains(roles, have) {
				return forbiddenRole(have, roles)
			}
			return next(c)
		}
	}
}

// authGroup registers the /v1 routes that resolve an API key first. The
// middleware goes on each route, not on an echo.Group: a group with
// middleware catches every method on every path below it, so a wrong
// method on a known path answered 404 instead of 405 with Allow.
type authGroup struct {
	g  *echo.Group
	mw []echo.MiddlewareFunc
}

func (a authGroup) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	return a.g.Add(method, path, h, append(slices.Clone(a.mw), m...)...)
}

// GET registers a GET route behind the key check.
func (a authGroup) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return a.add(http.MethodGet, path, h, m)
}

// PUT registers a PUT route behind the key check.
func (a authGroup) PUT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return a.add(http.MethodPut, path, h, m)
}

// POST registers a POST route behind the key check.
func (a authGroup) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return a.add(http.MethodPost, path, h, m)
}

// PATCH registers a PATCH route behind the key check.
func (a authGroup) PATCH(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return a.add(http.MethodPatch, path, h, m)
}

// DELETE registers a DELETE route behind the key check.
func (a authGroup) DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return a.add(http.MethodDelete, path, h, m)
}

// forbiddenRole is the 403 of a key whose role may not use the route: it
// names the roles that may, so the holder knows which key to ask for.
func forbiddenRole(have apikey.Role, roles []apikey.Role) error {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	allowed := strings.Join(names, ", ")
	return &validate.Errors{Class: errForbidden, Message: fmt.Sprintf("%s keys may not do this; allowed roles: %s", have, allowed),
		Fields: []validate.FieldError{{Field: "role", Code: "role_not_allowed", Message: "allowed roles: " + allowed}}}
}
