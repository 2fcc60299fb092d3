package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/registry"
)

// listResponse is the shape of every paged list.
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageParams reads limit and cursor.
func pageParams(c echo.Context) (registry.Page, error) {
	p := registry.Page{Cursor: c.QueryParam("cursor")}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return p, badQuery("limit", "must be an integer 1..500")
		}
		p.Limit = n
	}
	return p, nil
}

func handleRegionsList(reg *registry.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		rs, err := reg.Regions(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[regionJSON]{Items: convertSlice(rs, regionWire)})
	}
}

// putHandler decodes a T (a wire type), stores it with put and answers 200
// with what was stored (its new version included), in the same form.
func putHandler[T any](reg *registry.Service, put func(c echo.Context, actor string, in T) (T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in T
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out, err := put(c, principal(c).KeyID, in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func getHandler[T any](reg *registry.Service, get func(c echo.Context) (T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		out, err := get(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func listHandler[T any](reg *registry.Service, list func(c echo.Context, p registry.Page) ([]T, string, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		items, next, err := list(c, p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[T]{Items: items, NextCursor: next})
	}
}

func handlePartyPut(reg *registry.Service) echo.HandlerFunc {
	return putHandler(reg, func(c echo.Context, actor string, in partyJSON) (partyJSON, error) {
		p, err := reg.PutParty(c.Request().Context(), actor, c.Param("id"), in.party())
		return partyWire(p), err
	})
}

func handlePartyGet(reg *registry.Service) echo.HandlerFunc {
	return getHandler(reg, func(c echo.Context) (partyJSON, error) {
		p, err := reg.Party(c.Request().Context(), c.Param("id"))
		return partyWire(p), err
	})
}

func handlePartyList(reg *registry.Service) echo.HandlerFunc {
	return listHandler(reg, func(c echo.Context, p registry.Page) ([]partyJSON, string, error) {
		ps, next, err := reg.Parties(c.Request().Context(), p)
		return convertSlice(ps, partyWire), next, err
	})
}

func handleCinemaPut(reg *registry.Service) echo.HandlerFunc {
	return putHandler(reg, func(c echo.Context, actor string, in cinemaJSON) (cinemaJSON, error) {
		cin, err := reg.PutCinema(c.Request().Context(), actor, c.Param("id"), in.cinema())
		return cinemaWire(cin), err
	})
}

func handleCinemaGet(reg *registry.Service) echo.HandlerFunc {
	return getHandler(reg, func(c echo.Context) (cinemaJSON, error) {
		cin, err := reg.Cinema(c.Request().Context(), c.Param("id"))
		return cinemaWire(cin), err
	})
}

func handleCinemaList(reg *registry.Service) echo.HandlerFunc {
	return listHandler(reg, func(c echo.Context, p registry.Page) ([]cinemaJSON, string, error) {
		cs, next, err := reg.Cinemas(c.Request().Context(), p)
		return convertSlice(cs, cinemaWire), next, err
	})
}

func handleFilmPut(reg *registry.Service) echo.HandlerFunc {
	return putHandler(reg, func(c echo.Context, actor string, in filmJSON) (filmJSON, error) {
		f, err := reg.PutFilm(c.Request().Context(), actor, c.Param("id"), in.film())
		return filmWire(f), err
	})
}

func handleFilmGet(reg *registry.Service) echo.HandlerFunc {
	return getHandler(reg, func(c echo.Context) (filmViewJSON, error) {
		f, err := reg.Film(c.Request().Context(), c.Param("id"))
		return viewFilm(principal(c), f), err
	})
}

func handleFilmList(reg *registry.Service) echo.HandlerFunc {
	return listHandler(reg, func(c echo.Context, p registry.Page) ([]filmViewJSON, string, error) {
		fs, next, err := reg.Films(c.Request().Context(), p)
		out := make([]filmViewJSON, len(fs))
		for i, f := range fs {
			out[i] = viewFilm(principal(c), f)
		}
		return out, next, err
	})
}

// viewFilm is a film as one reader may see it. The commercial terms are
// the contract's: admins, auditors and the film's producer and distributor
// see them all; an exhibitor sees the rental scale it pays by; a rights
// holder of the film its own share and the royalty rate; everyone else
// (POS, analysts, other parties) the catalogue fields only.
func viewFilm(p apikey.Principal, f registry.Film) filmViewJSON {
	v := filmViewJSON{ID: f.ID, Version: f.Version, Title: registryTitleWire(f.Title), Origin: f.Origin, Countries: f.Countries,
		ReleaseDate: f.ReleaseDate, RuntimeMin: f.RuntimeMin, AgeRating: f.AgeRating, Certificate: certificateJSON(f.Certificate),
		ProducerID: f.ProducerID, DistributorID: f.DistributorID, EffectiveFrom: f.EffectiveFrom}
	switch {
	case filmContractReader(p, f):
		v.DistributionFeePct, v.RecoupableExpenses, v.RoyaltyPct = &f.DistributionFeePct, &f.RecoupableExpenses, &f.RoyaltyPct
		v.RightsHolders, v.RentalTerms = rightsSharesWire(f.RightsHolders), rentalStepsWire(f.RentalTerms)
	case p.Role == apikey.RoleExhibitor:
		v.RentalTerms = rentalStepsWire(f.RentalTerms)
	case p.Role == apikey.RoleRightsHolder:
		for _, r := range f.RightsHolders {
			if r.PartyID == p.PartyID {
				v.RightsHolders = append(v.RightsHolders, rightsShareJSON(r))
			}
		}
		if v.RightsHolders != nil {
			v.RoyaltyPct = &f.RoyaltyPct
		}
	}
	return v
}

// filmContractReader may read every term of film f and its versions.
func filmContractReader(p apikey.Principal, f registry.Film) bool {
	switch p.Role {
	case apikey.RoleAdmin, apikey.RoleAuditor:
		return true
	case apikey.RoleProducer, apikey.RoleDistributor:
		return p.PartyID == f.ProducerID || p.PartyID == f.DistributorID
	}
	return false
}

func handleRentalTermsPut(reg *registry.Service) echo.HandlerFunc {
	return putHandler(reg, func(c echo.Context, actor string, in rentalTermsJSON) (rentalTermsJSON, error) {
		t, err := reg.PutRentalTerms(c.Request().Context(), actor, c.Param("id"), c.Param("exhibitor_id"), in.rentalTerms())
		return rentalTermsWire(t), err
	})
}

// handleRentalTermsGet serves an exhibitor's commercial terms for a film
// to the parties of that contract (the exhibitor, the film's producer and
// distributor) and to admins and auditors.
func handleRentalTermsGet(reg *registry.Service) echo.HandlerFunc {
	return getHandler(reg, func(c echo.Context) (listResponse[rentalTermsJSON], error) {
		ctx, filmID, exhibitorID := c.Request().Context(), c.Param("id"), c.Param("exhibitor_id")
		if err := rentalTermsReader(c, reg, filmID, exhibitorID); err != nil {
			return listResponse[rentalTermsJSON]{}, err
		}
		ts, err := reg.RentalTerms(ctx, filmID, exhibitorID)
		return listResponse[rentalTermsJSON]{Items: convertSlice(ts, rentalTermsWire)}, err
	})
}

func rentalTermsReader(c echo.Context, reg *registry.Service, filmID, exhibitorID string) error {
	ctx, p := c.Request().Context(), principal(c)
	switch p.Role {
	case apikey.RoleAdmin, apikey.RoleAuditor:
		return nil
	case apikey.RoleExhibitor:
		if p.PartyID == exhibitorID {
			return nil
		}
		if p.CinemaID != "" {
			cin, err := reg.Cinema(ctx, p.CinemaID)
			if err == nil && cin.ExhibitorID == exhibitorID {
				return nil
			}
		}
	case apikey.RoleProducer, apikey.RoleDistributor:
		f, err := reg.Film(ctx, filmID)
		if err != nil {
			return err
		}
		if p.PartyID == f.ProducerID || p.PartyID == f.DistributorID {
			return nil
		}
	}
	return errForbidden
}

// handleVersions lists every recorded version of a registry object.
func handleVersions(reg *registry.Service, kind string) echo.HandlerFunc {
	return getHandler(reg, func(c echo.Context) (listResponse[versionJSON], error) {
		ctx := c.Request().Context()
		if kind == "film" { // a film's versions hold its terms: the contract's readers only
			f, err := reg.Film(ctx, c.Param("id"))
			if err != nil {
				return listResponse[versionJSON]{}, err
			}
			if !filmContractReader(principal(c), f) {
				return listResponse[versionJSON]{}, errForbidden
			}
		}
		vs, err := reg.Versions(ctx, kind, c.Param("id"))
		return listResponse[versionJSON]{Items: convertSlice(vs, versionWire)}, err
	})
}
