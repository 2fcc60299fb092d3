package registry

import "errors"

// Errors of the registry; api/errors.go maps them.
var (
	ErrNotFound         = errors.New("not found")
	ErrUnknownReference = errors.New("a referenced party does not exist or has the wrong kind")
	ErrHallInUse        = errors.New("hall in use")
	ErrPartyInUse       = errors.New("party in use")
)

// Party kinds.
const (
	KindProducer     = "producer"
	KindDistributor  = "distributor"
	KindExhibitor    = "exhibitor"
	KindRightsHolder = "rights_holder"
)

// Party is a producer, distributor, exhibitor or rights holder.
type Party struct {
	ID      string `json:"id"`
	Version int    `json:"version,omitempty"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	BIN     string `json:"bin"`
}

// Cinema is a cinema with its halls.
type Cinema struct {
	ID          string `json:"id"`
	Version     int    `json:"version,omitempty"`
	Name        string `json:"name"`
	ExhibitorID string `json:"exhibitor_id"`
	Region      string `json:"region"`
	City        string `json:"city"`
	VATPayer    *bool  `json:"vat_payer"`
	Halls       []Hall `json:"halls"`
	// EffectiveFrom is the first box-office day of a new exhibitor: required
	// when a PUT changes exhibitor_id, ignored (and not recorded) otherwise.
	EffectiveFrom string `json:"effective_from,omitempty"`
}

// Hall is a screening room of a cinema.
type Hall struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Seats int    `json:"seats"`
}

// Film is a film with its certificate, parties and money terms.
// Amounts and percentages are decimal strings, normalised on write.
type Film struct {
	ID                 string        `json:"id"`
	Version            int           `json:"version,omitempty"`
	Title              Title         `json:"title"`
	Origin             string        `json:"origin"`
	Countries          []string      `json:"countries"`
	ReleaseDate        string        `json:"release_date"`
	RuntimeMin         int           `json:"runtime_min"`
	AgeRating          string        `json:"age_rating"`
	Certificate        Certificate   `json:"certificate"`
	ProducerID         string        `json:"producer_id"`
	DistributorID      string        `json:"distributor_id"`
	DistributionFeePct string        `json:"distribution_fee_pct"`
	RecoupableExpenses string        `json:"recoupable_expenses"`
	RoyaltyPct         string        `json:"royalty_pct"`
	RightsHolders      []RightsShare `json:"rights_holders"`
	RentalTerms        []RentalStep  `json:"rental_terms"`
	// EffectiveFrom is the first box-office day of a new producer or
	// distributor: required when a PUT changes producer_id or
	// distributor_id, ignored (and not recorded) otherwise.
	EffectiveFrom string `json:"effective_from,omitempty"`
}

// Title is a film's title in Kazakh, Russian and English.
type Title struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

// Certificate is a film's distribution certificate.
type Certificate struct {
	Number    string `json:"number"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
}

// RightsShare is one rights holder's share of a film's royalty pool.
type RightsShare struct {
	PartyID  string `json:"party_id"`
	Role     string `json:"role"`
	SharePct string `json:"share_pct"`
}

// RentalStep says that from release week FromWeek on the distributor takes
// DistributorPct percent of the rentable net.
type RentalStep struct {
	FromWeek       int    `json:"from_week"`
	DistributorPct string `json:"distributor_pct"`
}

// RentalTerms overrides a film's rental scale for one exhibitor from a date.
type RentalTerms struct {
	FilmID        string       `json:"film_id"`
	ExhibitorID   string       `json:"exhibitor_id"`
	Version       int          `json:"version,omitempty"`
	EffectiveFrom string       `json:"effective_from"`
	Scale         []RentalStep `json:"scale"`
}

// Region is a region of Kazakhstan with its ISO 3166-2:KZ code.
type Region struct {
	Code string `json:"code"`
	Name Title  `json:"name"`
}

// origins and age ratings of SPEC 2.
var (
	origins    = []string{"national", "coproduction", "foreign"}
	ageRatings = []string{"0+", "6+", "12+", "14+", "16+", "18+", "21+"}
)

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1..500; 0 means 100
	Cursor string // the last id of the previous page, as next_cursor gave it
}

func (p Page) limit() int {
	if p.Limit <= 0 {
		return 100
	}
	return min(p.Limit, 500)
}
