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
	ID      string
	Version int
	Kind    string
	Name    string
	BIN     string
}

// Cinema is a cinema with its halls.
type Cinema struct {
	ID          string
	Version     int
	Name        string
	ExhibitorID string
	Region      string
	City        string
	VATPayer    *bool
	Halls       []Hall
	// EffectiveFrom is the first box-office day of a new exhibitor: required
	// when a PUT changes exhibitor_id, ignored (and not recorded) otherwise.
	EffectiveFrom string
}

// Hall is a screening room of a cinema.
type Hall struct {
	ID    string
	Name  string
	Seats int
}

// Film is a film with its certificate, parties and money terms.
// Amounts and percentages are decimal strings, normalised on write.
type Film struct {
	ID                 string
	Version            int
	Title              Title
	Origin             string
	Countries          []string
	ReleaseDate        string
	RuntimeMin         int
	AgeRating          string
	Certificate        Certificate
	ProducerID         string
	DistributorID      string
	DistributionFeePct string
	RecoupableExpenses string
	RoyaltyPct         string
	RightsHolders      []RightsShare
	RentalTerms        []RentalStep
	// EffectiveFrom is the first box-office day of a new producer or
	// distributor: required when a PUT changes producer_id or
	// distributor_id, ignored (and not recorded) otherwise.
	EffectiveFrom string
}

// Title is a film's title in Kazakh, Russian and English.
type Title struct {
	KK string
	RU string
	EN string
}

// Certificate is a film's distribution certificate.
type Certificate struct {
	Number    string
	ValidFrom string
	ValidTo   string
}

// RightsShare is one rights holder's share of a film's royalty pool.
type RightsShare struct {
	PartyID  string
	Role     string
	SharePct string
}

// RentalStep says that from release week FromWeek on the distributor takes
// DistributorPct percent of the rentable net.
type RentalStep struct {
	FromWeek       int
	DistributorPct string
}

// RentalTerms overrides a film's rental scale for one exhibitor from a date.
type RentalTerms struct {
	FilmID        string
	ExhibitorID   string
	Version       int
	EffectiveFrom string
	Scale         []RentalStep
}

// Region is a region of Kazakhstan with its ISO 3166-2:KZ code.
type Region struct {
	Code string
	Name Title
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
