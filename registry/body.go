package registry

// The bytes of the registry's ledger entries. Each write appends an entry
// (kind party, cinema, film or rental_terms) whose body is the normalised
// object as the types below encode it; project decodes it back, on the
// live write and in verify --deep's rebuild. The ledger's hashes cover
// these bytes, so their encoding never changes (TestEntryBodiesPinned):
// field names and order, no version (a body is not versioned: its entry
// is), effective_from only with a change of holder. The API's JSON of the
// same objects is api's (api/wire_registry.go).

type partyBody struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	BIN  string `json:"bin"`
}

func (p Party) body() partyBody { return partyBody{ID: p.ID, Kind: p.Kind, Name: p.Name, BIN: p.BIN} }

func (b partyBody) party() Party { return Party{ID: b.ID, Kind: b.Kind, Name: b.Name, BIN: b.BIN} }

type cinemaBody struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	ExhibitorID   string     `json:"exhibitor_id"`
	Region        string     `json:"region"`
	City          string     `json:"city"`
	VATPayer      *bool      `json:"vat_payer"`
	Halls         []hallBody `json:"halls"`
	EffectiveFrom string     `json:"effective_from,omitempty"`
}

type hallBody struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Seats int    `json:"seats"`
}

func (c Cinema) body() cinemaBody {
	return cinemaBody{ID: c.ID, Name: c.Name, ExhibitorID: c.ExhibitorID, Region: c.Region, City: c.City, VATPayer: c.VATPayer,
		Halls: convert(c.Halls, func(h Hall) hallBody { return hallBody(h) }), EffectiveFrom: c.EffectiveFrom}
}

func (b cinemaBody) cinema() Cinema {
	return Cinema{ID: b.ID, Name: b.Name, ExhibitorID: b.ExhibitorID, Region: b.Region, City: b.City, VATPayer: b.VATPayer,
		Halls: convert(b.Halls, func(h hallBody) Hall { return Hall(h) }), EffectiveFrom: b.EffectiveFrom}
}

type filmBody struct {
	ID                 string            `json:"id"`
	Title              titleBody         `json:"title"`
	Origin             string            `json:"origin"`
	Countries          []string          `json:"countries"`
	ReleaseDate        string            `json:"release_date"`
	RuntimeMin         int               `json:"runtime_min"`
	AgeRating          string            `json:"age_rating"`
	Certificate        certificateBody   `json:"certificate"`
	ProducerID         string            `json:"producer_id"`
	DistributorID      string            `json:"distributor_id"`
	DistributionFeePct string            `json:"distribution_fee_pct"`
	RecoupableExpenses string            `json:"recoupable_expenses"`
	RoyaltyPct         string            `json:"royalty_pct"`
	RightsHolders      []rightsShareBody `json:"rights_holders"`
	RentalTerms        []rentalStepBody  `json:"rental_terms"`
	EffectiveFrom      string            `json:"effective_from,omitempty"`
}

type titleBody struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

type certificateBody struct {
	Number    string `json:"number"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
}

type rightsShareBody struct {
	PartyID  string `json:"party_id"`
	Role     string `json:"role"`
	SharePct string `json:"share_pct"`
}

type rentalStepBody struct {
	FromWeek       int    `json:"from_week"`
	DistributorPct string `json:"distributor_pct"`
}

func (f Film) body() filmBody {
	return filmBody{ID: f.ID, Title: titleBody(f.Title), Origin: f.Origin, Countries: f.Countries, ReleaseDate: f.ReleaseDate,
		RuntimeMin: f.RuntimeMin, AgeRating: f.AgeRating, Certificate: certificateBody(f.Certificate), ProducerID: f.ProducerID,
		DistributorID: f.DistributorID, DistributionFeePct: f.DistributionFeePct, RecoupableExpenses: f.RecoupableExpenses,
		RoyaltyPct:    f.RoyaltyPct,
		RightsHolders: convert(f.RightsHolders, func(r RightsShare) rightsShareBody { return rightsShareBody(r) }),
		RentalTerms:   stepBodies(f.RentalTerms), EffectiveFrom: f.EffectiveFrom}
}

func (b filmBody) film() Film {
	return Film{ID: b.ID, Title: Title(b.Title), Origin: b.Origin, Countries: b.Countries, ReleaseDate: b.ReleaseDate,
		RuntimeMin: b.RuntimeMin, AgeRating: b.AgeRating, Certificate: Certificate(b.Certificate), ProducerID: b.ProducerID,
		DistributorID: b.DistributorID, DistributionFeePct: b.DistributionFeePct, RecoupableExpenses: b.RecoupableExpenses,
		RoyaltyPct:    b.RoyaltyPct,
		RightsHolders: convert(b.RightsHolders, func(r rightsShareBody) RightsShare { return RightsShare(r) }),
		RentalTerms:   steps(b.RentalTerms), EffectiveFrom: b.EffectiveFrom}
}

type rentalTermsBody struct {
	FilmID        string           `json:"film_id"`
	ExhibitorID   string           `json:"exhibitor_id"`
	EffectiveFrom string           `json:"effective_from"`
	Scale         []rentalStepBody `json:"scale"`
}

func (t RentalTerms) body() rentalTermsBody {
	return rentalTermsBody{FilmID: t.FilmID, ExhibitorID: t.ExhibitorID, EffectiveFrom: t.EffectiveFrom, Scale: stepBodies(t.Scale)}
}

func (b rentalTermsBody) rentalTerms() RentalTerms {
	return RentalTerms{FilmID: b.FilmID, ExhibitorID: b.ExhibitorID, EffectiveFrom: b.EffectiveFrom, Scale: steps(b.Scale)}
}

func stepBodies(s []RentalStep) []rentalStepBody {
	return convert(s, func(r RentalStep) rentalStepBody { return rentalStepBody(r) })
}

func steps(s []rentalStepBody) []RentalStep {
	return convert(s, func(r rentalStepBody) RentalStep { return RentalStep(r) })
}

// convert maps a slice, keeping nil apart from empty (a body writes null
// for one and [] for the other).
func convert[S, T any](in []S, f func(S) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
