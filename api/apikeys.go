package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/validate"
)

// keyJSON is a key as the API shows it (never its secret).
type keyJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Role       apikey.Role       `json:"role"`
	Scope      map[string]string `json:"scope"`
	CreatedAt  time.Time         `json:"created_at"`
	LastUsedAt *time.Time        `json:"last_used_at"`
	ExpiresAt  *time.Time        `json:"expires_at"`
	RevokedAt  *time.Time        `json:"revoked_at,omitempty"`
}

func toKeyJSON(k apikey.Key) keyJSON {
	return keyJSON{ID: k.ID, Name: k.Name, Role: k.Role, Scope: k.ScopeMap(), CreatedAt: k.CreatedAt,
		LastUsedAt: k.LastUsedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
}

// handleWhoami answers GET /v1/whoami: the calling key, its role and scope.
func handleWhoami(keys *apikey.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		k, err := keys.Get(c.Request().Context(), principal(c).KeyID)
		if err != nil {
			return err
		}
		j := toKeyJSON(k)
		return c.JSON(http.StatusOK, struct {
			KeyID      string            `json:"key_id"`
			Name       string            `json:"name"`
			Role       apikey.Role       `json:"role"`
			Scope      map[string]string `json:"scope"`
			CreatedAt  time.Time         `json:"created_at"`
			LastUsedAt *time.Time        `json:"last_used_at"`
			ExpiresAt  *time.Time        `json:"expires_at"`
		}{j.ID, j.Name, j.Role, j.Scope, j.CreatedAt, j.LastUsedAt, j.ExpiresAt})
	}
}

// apikeyCreateJSON is the body of POST /v1/apikeys: the role, a name, the
// scope the role needs under its kind, and an optional expiry.
type apikeyCreateJSON struct {
	Role      string  `json:"role"`
	Name      string  `json:"name"`
	Cinema    string  `json:"cinema"`
	Party     string  `json:"party"`
	Venue     string  `json:"venue"`
	Museum    string  `json:"museum"`
	BIN       string  `json:"bin"`
	Expert    string  `json:"expert"`
	Hub       string  `json:"hub"`
	ExpiresAt *string `json:"expires_at"`
}

// handleAPIKeyCreate answers POST /v1/apikeys (admin) with 201 and the
// secret, shown this once.
func handleAPIKeyCreate(keys *apikey.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in apikeyCreateJSON
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		var ve validate.Errors
		if ve.Required("role", in.Role) {
			roles := make([]string, len(apikey.Roles))
			for i, r := range apikey.Roles {
				roles[i] = string(r)
			}
			ve.OneOf("role", in.Role, roles...)
		}
		ve.Required("name", in.Name)
		spec := apikey.Spec{Name: in.Name, Role: apikey.Role(in.Role), CinemaID: in.Cinema, PartyID: in.Party}
		for kind, v := range map[string]string{"venue": in.Venue, "museum": in.Museum, "bin": in.BIN, "expert": in.Expert, "hub": in.Hub} {
			if v == "" {
				continue
			}
			if spec.Scope != "" || apikey.ScopeKind[spec.Role] != kind {
				ve.Add(kind, "not_allowed", "a %s key takes no %s", in.Role, kind)
				continue
			}
			spec.Scope = v
		}
		if in.ExpiresAt != nil {
			if t := ve.Time("expires_at", *in.ExpiresAt); !t.IsZero() {
				spec.ExpiresAt = &t
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		k, secret, err := keys.Create(c.Request().Context(), spec)
		if err != nil {
			return err
		}
		j := toKeyJSON(k)
		return c.JSON(http.StatusCreated, struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
			keyJSON
		}{k.ID, secret, j})
	}
}

// handleAPIKeyList answers GET /v1/apikeys (admin): every key, revoked
// ones included, without secrets.
func handleAPIKeyList(keys *apikey.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		ks, err := keys.List(c.Request().Context())
		if err != nil {
			return err
		}
		out := make([]keyJSON, 0, len(ks))
		for _, k := range ks {
			out = append(out, toKeyJSON(k))
		}
		return c.JSON(http.StatusOK, map[string]any{"items": out})
	}
}

// handleAPIKeyRevoke answers DELETE /v1/apikeys/{id} (admin) with 204;
// revoking twice is not an error, an unknown id is 404.
func handleAPIKeyRevoke(keys *apikey.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := keys.Revoke(c.Request().Context(), c.Param("id")); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
