package hubs

import (
	"errors"
	"time"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/validate"
)

// Errors of the hubs; api/errors.go maps them.
var (
	ErrNotFound          = errors.New("not found")
	ErrUnknownRegion     = errors.New("unknown region")
	ErrUnknownInvestor   = errors.New("unknown investor")
	ErrNotAMatch         = errors.New("investor does not match the pitch")
	ErrIntroductionOpen  = errors.New("introduction already requested")
	ErrIntroductionEnded = errors.New("introduction already has an outcome")
)

// refuse is a refusal of class err naming the request field at fault.
func refuse(err error, field, msg string) error {
	return validate.Refuse(err, field, "%s", msg)
}

// Hub statuses and instruments.
var (
	statuses    = []string{"planned", "active", "suspended", "closed"}
	instruments = []string{"equity", "loan", "grant"}
)

// Location is a point in WGS 84 degrees.
type Location struct {
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

// Hub is a creative hub.
type Hub struct {
	ID          string      `json:"id"`
	Version     int         `json:"version"`
	Name        langmap.Map `json:"name"`
	OperatorBIN string      `json:"operator_bin"`
	Region      string      `json:"region"`
	City        string      `json:"city"`
	Address     string      `json:"address"`
	Location    Location    `json:"location"`
	Facilities  []string    `json:"facilities"`
	Sectors     []string    `json:"sectors"`
	OpenedOn    string      `json:"opened_on"`
	Status      string      `json:"status"`
}

// Event is an event at a hub.
type Event struct {
	HubID       string      `json:"hub_id"`
	ID          string      `json:"id"`
	Version     int         `json:"version"`
	Title       langmap.Map `json:"title"`
	StartsAt    time.Time   `json:"starts_at"`
	EndsAt      time.Time   `json:"ends_at"`
	Description langmap.Map `json:"description,omitempty"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// EventInput is what a hub operator writes.
type EventInput struct {
	Title       langmap.Map `json:"title"`
	StartsAt    string      `json:"starts_at"`
	EndsAt      string      `json:"ends_at"`
	Description langmap.Map `json:"description"`
}

// Ticket is the range of amounts an investor puts into one project.
type Ticket struct {
	Min string `json:"min"`
	Max string `json:"max"`
}

// Investor is an investor profile.
type Investor struct {
	ID          string      `json:"id"`
	Version     int         `json:"version"`
	Name        langmap.Map `json:"name"`
	Sectors     []string    `json:"sectors"`
	Regions     []string    `json:"regions"`
	Ticket      Ticket      `json:"ticket"`
	Instruments []string    `json:"instruments"`
}

// Pitch is a resident's project pitched at a hub.
type Pitch struct {
	HubID         string      `json:"hub_id"`
	ID            string      `json:"id"`
	Version       int         `json:"version"`
	BIN           string      `json:"bin"`
	Title         langmap.Map `json:"title"`
	Sector        string      `json:"sector"`
	Region        string      `json:"region"`
	Amount        string      `json:"amount"`
	Instrument    string      `json:"instrument"`
	ExportMarkets []string    `json:"export_markets"`
}

// Match is an investor that fits a pitch, with its score (0..100).
type Match struct {
	InvestorID string `json:"investor_id"`
	Score      int    `json:"score"`
}

// Introduction is a request to introduce a pitch to an investor and its outcome.
type Introduction struct {
	ID          string     `json:"id"`
	HubID       string     `json:"hub_id"`
	PitchID     string     `json:"pitch_id"`
	InvestorID  string     `json:"investor_id"`
	State       string     `json:"state"`
	RequestedAt time.Time  `json:"requested_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Amount      string     `json:"amount,omitempty"`
	Instrument  string     `json:"instrument,omitempty"`
	EntrySeq    *int64     `json:"entry_seq,omitempty"`
}

// OutcomeInput is the investor's answer to an introduction.
type OutcomeInput struct {
	Status     string `json:"status"`
	Amount     string `json:"amount"`
	Instrument string `json:"instrument"`
}

// Page asks for one page of a list (keyset.Page).
type Page = keyset.Page
