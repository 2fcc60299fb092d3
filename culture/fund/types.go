package fund

import (
	"encoding/json"
	"errors"
	"time"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/validate"
)

// Errors of the fund; api/errors.go maps them.
var (
	ErrNotFound         = errors.New("not found")
	ErrUnknownRegion    = errors.New("unknown region")
	ErrCallClosed       = errors.New("call not open")
	ErrNotEligible      = errors.New("not eligible")
	ErrAlreadyDecided   = errors.New("already decided")
	ErrNotEnoughReviews = errors.New("not enough reviews")
	ErrOverRequest      = errors.New("award over the amount requested")
	ErrBudgetExceeded   = errors.New("budget exceeded")
	ErrOverAward        = errors.New("disbursement over the award")
	ErrBeforeAward      = errors.New("disbursement dated before the award")
	ErrDateInFuture     = errors.New("disbursement dated in the future")
	ErrCallInReview     = errors.New("criteria of a call under review")
	ErrBudgetBelow      = errors.New("budget below the awarded total")
)

// refuse is a refusal of class err naming the field at fault.
func refuse(err error, field, msg string) error {
	return validate.Refuse(err, field, "%s", msg)
}

// Applicant kinds and instruments.
const (
	kindNGO          = "ngo"
	kindCompany      = "company"
	kindEntrepreneur = "individual_entrepreneur"
)

var (
	// kinds are the applicant kinds a call may make eligible.
	kinds = []string{kindNGO, kindCompany, kindEntrepreneur}
	// instruments are the ways the fund finances a project.
	instruments = []string{"grant", "loan", "equity"}
)

// Criterion is one scored criterion of a call; the weights of a call add
// up to 100. Weight is kept raw so that it is checked to be a JSON number
// (validate.JSONNumber): a json.Number would take "50" as well.
type Criterion struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Weight json.RawMessage `json:"weight"`
}

// Call is a call for applications with its budget.
type Call struct {
	ID         string      `json:"id"`
	Version    int         `json:"version"`
	Title      langmap.Map `json:"title"`
	Budget     string      `json:"budget"`
	Opens      string      `json:"opens"`
	Closes     string      `json:"closes"`
	Instrument string      `json:"instrument"`
	Eligible   []string    `json:"eligible"`
	Criteria   []Criterion `json:"criteria"`
	// Awarded and Remaining are read-only: the sum of the call's awards and
	// what is left of its budget.
	Awarded   string `json:"awarded,omitempty"`
	Remaining string `json:"remaining,omitempty"`
}

// ApplicationInput is what an applicant sends. ApplicantName is an
// optional extension (the recipient's name in the open data) for
// applicants the NGO database does not name.
type ApplicationInput struct {
	Title           string `json:"title"`
	Summary         string `json:"summary"`
	AmountRequested string `json:"amount_requested"`
	Region          string `json:"region"`
	Sector          string `json:"sector"`
	ApplicantName   string `json:"applicant_name,omitempty"`
}

// Application is a stored application with its state.
type Application struct {
	ID            string    `json:"id"`
	CallID        string    `json:"call_id"`
	BIN           string    `json:"bin"`
	ApplicantKind string    `json:"applicant_kind"`
	SubmittedAt   time.Time `json:"submitted_at"`
	// Status is submitted, awarded or rejected.
	Status string `json:"status"`
	// Reviews counts the reviews without a declared conflict of interest;
	// Score is their mean weighted score (0..100), "" before any.
	Reviews int    `json:"reviews"`
	Score   string `json:"score,omitempty"`
	GrantID string `json:"grant_id,omitempty"`
	ApplicationInput
}

// ReviewInput is an expert's review. Scores are kept raw so that each is
// checked to be a JSON integer 0..10 (validate.JSONInt): a json.Number
// would take "7" and 7.5 as well.
type ReviewInput struct {
	Scores             map[string]json.RawMessage `json:"scores"`
	ConflictOfInterest *bool                      `json:"conflict_of_interest"`
	Comment            string                     `json:"comment"`
}

// Review is a stored review; a declared conflict of interest excludes it
// from the count and the score.
type Review struct {
	ApplicationID      string                 `json:"application_id"`
	ExpertID           string                 `json:"expert_id"`
	Version            int                    `json:"version"`
	Scores             map[string]json.Number `json:"scores"`
	ConflictOfInterest bool                   `json:"conflict_of_interest"`
	Comment            string                 `json:"comment"`
	// Weighted is the sum of score × weight / 10 (0..100); "" when excluded.
	Weighted string    `json:"weighted,omitempty"`
	Excluded bool      `json:"excluded"`
	At       time.Time `json:"recorded_at"`
}

// DecisionInput is the fund officer's decision.
type DecisionInput struct {
	Award  *bool  `json:"award"`
	Amount string `json:"amount"`
}

// Decision is the outcome of a decision: the grant id when awarded.
type Decision struct {
	ApplicationID string `json:"application_id"`
	Award         bool   `json:"award"`
	GrantID       string `json:"grant_id,omitempty"`
	Amount        string `json:"amount,omitempty"`
	EntrySeq      int64  `json:"entry_seq"`
}

// DisbursementInput is one payment against a grant.
type DisbursementInput struct {
	Amount        string `json:"amount"`
	Date          string `json:"date"`
	Milestone     string `json:"milestone"`
	ExportRevenue string `json:"export_revenue"`
}

// Disbursement is a recorded payment.
type Disbursement struct {
	ID            string `json:"id"`
	GrantID       string `json:"grant_id"`
	Amount        string `json:"amount"`
	Date          string `json:"date"`
	Milestone     string `json:"milestone"`
	ExportRevenue string `json:"export_revenue"`
	EntrySeq      int64  `json:"entry_seq"`
}

// Grant is an award with its payments.
type Grant struct {
	ID            string         `json:"id"`
	ApplicationID string         `json:"application_id"`
	CallID        string         `json:"call_id"`
	BIN           string         `json:"bin"`
	Amount        string         `json:"amount"`
	AwardedOn     string         `json:"awarded_on"`
	Disbursed     string         `json:"disbursed"`
	Remaining     string         `json:"remaining"`
	EntrySeq      int64          `json:"entry_seq"`
	Disbursements []Disbursement `json:"disbursements"`
}

// Org is an organisation of the open data: the fund itself, by default.
type Org struct {
	BIN  string
	Name string
}

// Page asks for one page of a list (keyset.Page).
type Page = keyset.Page
