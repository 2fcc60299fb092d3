package api

import (
	"encoding/json"
	"time"

	"ecinema/registry"
)

// The wire forms of the registry (SPEC 2): what PUT /v1/parties|cinemas|
// films/{id} and PUT /v1/films/{id}/rental-terms/{exhibitor_id} read, and
// what they and the GETs answer. A request may send back the version and
// id a GET gave (registry ignores version and checks id against the
// path); version is left out when 0. The ledger entry bodies of the same
// objects are registry's (registry/body.go) and do not follow these types.

type partyJSON struct {
	ID      string `json:"id"`
	Version int    `json:"version,omitempty"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	BIN     string `json:"bin"`
}

func partyWire(p registry.Party) partyJSON { return partyJSON(p) }

func (j partyJSON) party() registry.Party { return registry.Party(j) }

type cinemaJSON struct {
	ID          string     `json:"id"`
	Version     int        `json:"version,omitempty"`
	Name        string     `json:"name"`
	ExhibitorID string     `json:"exhibitor_id"`
	Region      string     `json:"region"`
	City        string     `json:"city"`
	VATPayer    *bool      `json:"vat_payer"`
	Halls       []hallJSON `json:"halls"`
	// EffectiveFrom is the first box-office day of a new exhibitor (a PUT
	// changing exhibitor_id); a GET leaves it out.
	EffectiveFrom string `json:"effective_from,omitempty"`
}

type hallJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Seats int    `json:"seats"`
}

func cinemaWire(c registry.Cinema) cinemaJSON {
	return cinemaJSON{ID: c.ID, Version: c.Version, Name: c.Name, ExhibitorID: c.ExhibitorID, Region: c.Region, City: c.City,
		VATPayer: c.VATPayer, Halls: convertSlice(c.Halls, func(h registry.Hall) hallJSON { return hallJSON(h) }),
		EffectiveFrom: c.EffectiveFrom}
}

func (j cinemaJSON) cinema() registry.Cinema {
	return registry.Cinema{ID: j.ID, Version: j.Version, Name: j.Name, ExhibitorID: j.ExhibitorID, Region: j.Region, City: j.City,
		VATPayer: j.VATPayer, Halls: convertSlice(j.Halls, func(h hallJSON) registry.Hall { return registry.Hall(h) }),
		EffectiveFrom: j.EffectiveFrom}
}

// filmJSON is a film as PUT reads and answers it, with every term.
type filmJSON struct {
	ID                 string            `json:"id"`
	Version            int               `json:"version,omitempty"`
	Title              titleJSON         `json:"title"`
	Origin             string            `json:"origin"`
	Countries          []string          `json:"countries"`
	ReleaseDate        string            `json:"release_date"`
	RuntimeMin         int               `json:"runtime_min"`
	AgeRating          string            `json:"age_rating"`
	Certificate        certificateJSON   `json:"certificate"`
	ProducerID         string            `json:"producer_id"`
	DistributorID      string            `json:"distributor_id"`
	DistributionFeePct string            `json:"distribution_fee_pct"`
	RecoupableExpenses string            `json:"recoupable_expenses"`
	RoyaltyPct         string            `json:"royalty_pct"`
	RightsHolders      []rightsShareJSON `json:"rights_holders"`
	RentalTerms        []rentalStepJSON  `json:"rental_terms"`
	// EffectiveFrom is the first box-office day of a new producer or
	// distributor (a PUT changing either).
	EffectiveFrom string `json:"effective_from,omitempty"`
}

type certificateJSON struct {
	Number    string `json:"number"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
}

type rightsShareJSON struct {
	PartyID  string `json:"party_id"`
	Role     string `json:"role"`
	SharePct string `json:"share_pct"`
}

type rentalStepJSON struct {
	FromWeek       int    `json:"from_week"`
	DistributorPct string `json:"distributor_pct"`
}

func rightsSharesWire(rs []registry.RightsShare) []rightsShareJSON {
	return convertSlice(rs, func(r registry.RightsShare) rightsShareJSON { return rightsShareJSON(r) })
}

func rentalStepsWire(s []registry.RentalStep) []rentalStepJSON {
	return convertSlice(s, func(r registry.RentalStep) rentalStepJSON { return rentalStepJSON(r) })
}

func rentalSteps(s []rentalStepJSON) []registry.RentalStep {
	return convertSlice(s, func(r rentalStepJSON) registry.RentalStep { return registry.RentalStep(r) })
}

func registryTitleWire(t registry.Title) titleJSON { return titleJSON(t) }

func filmWire(f registry.Film) filmJSON {
	return filmJSON{ID: f.ID, Version: f.Version, Title: registryTitleWire(f.Title), Origin: f.Origin, Countries: f.Countries,
		ReleaseDate: f.ReleaseDate, RuntimeMin: f.RuntimeMin, AgeRating: f.AgeRating, Certificate: certificateJSON(f.Certificate),
		ProducerID: f.ProducerID, DistributorID: f.DistributorID, DistributionFeePct: f.DistributionFeePct,
		RecoupableExpenses: f.RecoupableExpenses, RoyaltyPct: f.RoyaltyPct, RightsHolders: rightsSharesWire(f.RightsHolders),
		RentalTerms: rentalStepsWire(f.RentalTerms), EffectiveFrom: f.EffectiveFrom}
}

func (j filmJSON) film() registry.Film {
	return registry.Film{ID: j.ID, Version: j.Version, Title: registry.Title(j.Title), Origin: j.Origin, Countries: j.Countries,
		ReleaseDate: j.ReleaseDate, RuntimeMin: j.RuntimeMin, AgeRating: j.AgeRating, Certificate: registry.Certificate(j.Certificate),
		ProducerID: j.ProducerID, DistributorID: j.DistributorID, DistributionFeePct: j.DistributionFeePct,
		RecoupableExpenses: j.RecoupableExpenses, RoyaltyPct: j.RoyaltyPct,
		RightsHolders: convertSlice(j.RightsHolders, func(r rightsShareJSON) registry.RightsShare { return registry.RightsShare(r) }),
		RentalTerms:   rentalSteps(j.RentalTerms), EffectiveFrom: j.EffectiveFrom}
}

// filmViewJSON is a film as a GET answers it to one reader (viewFilm):
// the catalogue fields, then the terms that reader may see (a hidden term
// is left out, not blank).
type filmViewJSON struct {
	ID                 string            `json:"id"`
	Version            int               `json:"version,omitempty"`
	Title              titleJSON         `json:"title"`
	Origin             string            `json:"origin"`
	Countries          []string          `json:"countries"`
	ReleaseDate        string            `json:"release_date"`
	RuntimeMin         int               `json:"runtime_min"`
	AgeRating          string            `json:"age_rating"`
	Certificate        certificateJSON   `json:"certificate"`
	ProducerID         string            `json:"producer_id"`
	DistributorID      string            `json:"distributor_id"`
	EffectiveFrom      string            `json:"effective_from,omitempty"`
	DistributionFeePct *string           `json:"distribution_fee_pct,omitempty"`
	RecoupableExpenses *string           `json:"recoupable_expenses,omitempty"`
	RoyaltyPct         *string           `json:"royalty_pct,omitempty"`
	RightsHolders      []rightsShareJSON `json:"rights_holders,omitempty"`
	RentalTerms        []rentalStepJSON  `json:"rental_terms,omitempty"`
}

type rentalTermsJSON struct {
	FilmID        string           `json:"film_id"`
	ExhibitorID   string           `json:"exhibitor_id"`
	Version       int              `json:"version,omitempty"`
	EffectiveFrom string           `json:"effective_from"`
	Scale         []rentalStepJSON `json:"scale"`
}

func rentalTermsWire(t registry.RentalTerms) rentalTermsJSON {
	return rentalTermsJSON{FilmID: t.FilmID, ExhibitorID: t.ExhibitorID, Version: t.Version, EffectiveFrom: t.EffectiveFrom,
		Scale: rentalStepsWire(t.Scale)}
}

func (j rentalTermsJSON) rentalTerms() registry.RentalTerms {
	return registry.RentalTerms{FilmID: j.FilmID, ExhibitorID: j.ExhibitorID, Version: j.Version, EffectiveFrom: j.EffectiveFrom,
		Scale: rentalSteps(j.Scale)}
}

type regionJSON struct {
	Code string    `json:"code"`
	Name titleJSON `json:"name"`
}

func regionWire(r registry.Region) regionJSON {
	return regionJSON{Code: r.Code, Name: registryTitleWire(r.Name)}
}

// versionJSON is one recorded version: its entry and the entry's body as
// the ledger holds it.
type versionJSON struct {
	Version    int             `json:"version"`
	EntrySeq   int64           `json:"entry_seq"`
	RecordedAt time.Time       `json:"recorded_at"`
	Body       json.RawMessage `json:"body"`
}

func versionWire(v registry.Version) versionJSON { return versionJSON(v) }

// convertSlice maps a slice, keeping nil apart from empty (null and []).
func convertSlice[S, T any](in []S, f func(S) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
