package ngo

import (
	"errors"
	"time"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
)

// Errors of the NGO database; api/errors.go maps them.
var (
	ErrNotFound          = errors.New("not found")
	ErrUnknownRegion     = errors.New("unknown region")
	ErrReportLocked      = errors.New("report locked")
	ErrInvalidTransition = errors.New("invalid report transition")
)

// Legal forms and statuses of a registered NGO.
var (
	legalForms = []string{"public_association", "foundation", "institution", "association", "branch", "other"}
	Statuses   = []string{"active", "inactive", "liquidating", "suspended"}
	// fundingSources are the sources a report's funding lines name.
	fundingSources = []string{"state_order", "grant", "foreign", "donation", "own"}
)

// Report statuses: a report is drafted (and redrafted after a return),
// submitted by the NGO, then accepted or returned by the ministry.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusAccepted  = "accepted"
	StatusReturned  = "returned"
)

// NGO is one registered non-commercial organisation.
type NGO struct {
	BIN           string      `json:"bin"`
	Version       int         `json:"version"`
	Name          langmap.Map `json:"name"`
	LegalForm     string      `json:"legal_form"`
	RegisteredOn  string      `json:"registered_on"`
	Status        string      `json:"status"`
	Region        string      `json:"region"`
	Address       string      `json:"address"`
	ActivityAreas []string    `json:"activity_areas"`
}

// Founder is one founder of an NGO. IDNumber (an IIN or BIN) is never
// published in the open data.
type Founder struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	SharePct string `json:"share_pct"`
}

// Funding is one source of an NGO's money in the year.
type Funding struct {
	Source string `json:"source"`
	Amount string `json:"amount"`
}

// Spending is one direction of an NGO's spending in the year.
type Spending struct {
	Direction string `json:"direction"`
	Amount    string `json:"amount"`
}

// Project is one project the NGO ran in the year.
type Project struct {
	Title         string `json:"title"`
	Amount        string `json:"amount"`
	Beneficiaries int    `json:"beneficiaries"`
}

// ReportInput is what an NGO writes in its annual report.
type ReportInput struct {
	Founders   []Founder  `json:"founders"`
	Property   string     `json:"property"`
	Funding    []Funding  `json:"funding"`
	Spending   []Spending `json:"spending"`
	Staff      *int       `json:"staff"`
	Volunteers *int       `json:"volunteers"`
	Projects   []Project  `json:"projects"`
}

// Report is an annual report with its workflow state.
type Report struct {
	BIN     string `json:"bin"`
	Year    int    `json:"year"`
	Version int    `json:"version"`
	Status  string `json:"status"`
	// Late is set when the report was submitted after 31 March of the
	// next year (Kazakhstan time).
	Late        bool       `json:"late"`
	Due         string     `json:"due"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Comment     string     `json:"comment,omitempty"`
	ReportInput
}

// ReportVersion is one recorded state of a report: every write and every
// transition adds one; none is changed afterwards.
type ReportVersion struct {
	Version    int         `json:"version"`
	Status     string      `json:"status"`
	Late       bool        `json:"late"`
	Comment    string      `json:"comment,omitempty"`
	Actor      string      `json:"actor"`
	RecordedAt time.Time   `json:"recorded_at"`
	Body       ReportInput `json:"body"`
}

// Reason is one reason an NGO is not eligible for state grants.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Eligibility says whether an NGO may receive state grants.
type Eligibility struct {
	BIN      string   `json:"bin"`
	Eligible bool     `json:"eligible"`
	Reasons  []Reason `json:"reasons"`
	// DueYear is the year of the last report due at the time of the check
	// (0 when the NGO was registered after that year).
	DueYear int `json:"due_year,omitempty"`
}

// Page asks for one page of a list (keyset.Page).
type Page = keyset.Page
