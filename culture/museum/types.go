package museum

import (
	"errors"
	"time"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/validate"
)

// LangMap is a human-readable text in several languages, keyed by BCP 47
// tag ("kk", "ru", "en", "kk-Latn"): the culture modules' langmap.Map.
type LangMap = langmap.Map

// Date is an object's production date: the text a visitor reads and the
// range of years it stands for (SPECTRUM "object production date").
type Date struct {
	Display  string `json:"display"`
	Earliest *int   `json:"earliest,omitempty"`
	Latest   *int   `json:"latest,omitempty"`
}

// Acquisition says how, when and from whom the museum acquired an object.
type Acquisition struct {
	Method string `json:"method,omitempty"`
	Date   string `json:"date,omitempty"` // YYYY, YYYY-MM or YYYY-MM-DD
	Source string `json:"source,omitempty"`
}

// Object is one catalogue record: the SPECTRUM 5.1 object identification
// and object description groups. It is the body of a museum_object entry
// (every version whole), so the JSON shape is part of the ledger format.
type Object struct {
	MuseumID        string       `json:"museum_id"`
	ID              string       `json:"id"`
	InventoryNumber string       `json:"inventory_number"`
	ObjectName      string       `json:"object_name"`
	Title           LangMap      `json:"title"`
	Description     LangMap      `json:"description,omitempty"`
	Maker           string       `json:"maker,omitempty"`
	Date            *Date        `json:"date,omitempty"`
	Place           string       `json:"place,omitempty"`
	Materials       []string     `json:"materials"`
	Techniques      []string     `json:"techniques"`
	Dimensions      string       `json:"dimensions,omitempty"`
	NumberOfObjects int          `json:"number_of_objects"`
	Acquisition     *Acquisition `json:"acquisition,omitempty"`
	Rights          string       `json:"rights"`
	CreditLine      LangMap      `json:"credit_line,omitempty"`
	StateRegisterNo string       `json:"state_register_no,omitempty"`
	Published       *bool        `json:"published"`
}

// ObjectView is an object as the API shows it: the current version with
// its number, the state derived from its events, and its images.
type ObjectView struct {
	Object
	Version   int        `json:"version"`
	Status    string     `json:"status"`
	Location  string     `json:"location"`
	UpdatedAt time.Time  `json:"updated_at"`
	Images    []ImageRef `json:"images"`
}

// ImageRef names one image of an object and its IIIF Image service.
type ImageRef struct {
	N         int    `json:"n"`
	ImageID   string `json:"image_id"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	MediaType string `json:"media_type"`
	SHA256    string `json:"sha256"`
}

// Event types: the SPECTRUM procedures recorded as custody events.
const (
	EventObjectEntry    = "object_entry"
	EventAccession      = "accession"
	EventLocationChange = "location_change"
	EventInventoryCheck = "inventory_check"
	EventConditionCheck = "condition_check"
	EventLoanOut        = "loan_out"
	EventLoanReturn     = "loan_return"
	EventExit           = "exit"
)

// eventTypes lists every event type.
var eventTypes = []string{EventObjectEntry, EventAccession, EventLocationChange, EventInventoryCheck,
	EventConditionCheck, EventLoanOut, EventLoanReturn, EventExit}

// Event is one procedure on one object: the body of a museum_event entry.
type Event struct {
	MuseumID string    `json:"museum_id"`
	ObjectID string    `json:"object_id"`
	Type     string    `json:"type"`
	At       time.Time `json:"at"`
	Location string    `json:"location,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// EventInput is the body of POST /v1/museums/{mid}/objects/{inv}/events:
// an Event whose time is the text the client wrote, so that a bad time is a
// field error like any other (Event reads it).
type EventInput struct {
	Type     string `json:"type"`
	At       string `json:"at"`
	Location string `json:"location,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Event reads the time (RFC 3339 with an offset, validate.ParseTime; any
// year, a museum records its history) and returns the event for AddEvent,
// which checks the rest.
func (in EventInput) Event() (Event, error) {
	var v validate.Errors
	var at time.Time
	if v.Required("at", in.At) {
		t, err := validate.ParseTime(in.At)
		if err != nil {
			v.Add("at", "invalid_time", "%v", err)
		}
		at = t
	}
	return Event{Type: in.Type, At: at, Location: in.Location, Note: in.Note}, v.Err()
}

// EventView is a recorded event with its number and ledger entry.
type EventView struct {
	N        int       `json:"n"`
	Type     string    `json:"type"`
	At       time.Time `json:"at"`
	Location string    `json:"location"`
	Note     string    `json:"note"`
	Actor    string    `json:"actor"`
	EntrySeq int64     `json:"entry_seq"`
}

// Statuses derived from the events.
const (
	statusNone        = "none"        // no event yet: catalogued only
	statusEntered     = "entered"     // in the museum's custody, not accessioned
	statusAccessioned = "accessioned" // in the permanent collection, at its location
	statusOnLoan      = "on_loan"     // accessioned and lent out
	statusExited      = "exited"      // left the museum's custody
)

// Museum is what the catalogue needs of a museum venue.
type Museum struct {
	ID   string
	Name LangMap
	City string
}

// Page asks for one page of a list (keyset.Page).
type Page = keyset.Page

// Errors of this package. The API maps each to its status and code.
var (
	ErrNotFound             = errors.New("not found")
	ErrUnknownMuseum        = errors.New("unknown museum")
	ErrInventoryNumberTaken = errors.New("inventory number already used in this museum")
	ErrNotAccessioned       = errors.New("the object is not accessioned")
	ErrAlreadyAccessioned   = errors.New("the object is already accessioned")
	ErrAlreadyInCustody     = errors.New("the object is already in the museum's custody")
	ErrNotInCustody         = errors.New("the object is not in the museum's custody")
	ErrOnLoan               = errors.New("the object is out on loan")
	ErrNotOnLoan            = errors.New("the object is not out on loan")
	ErrLocationMismatch     = errors.New("the object is at another location")
	ErrEventOutOfOrder      = errors.New("the event is dated before the object's last event")
	ErrEventInFuture        = errors.New("the event is dated in the future")
	ErrUnsupportedMediaType = errors.New("the image is neither JPEG nor PNG")
	ErrInvalidImage         = errors.New("the image cannot be decoded")
	ErrImageTooLarge        = errors.New("the image has too many pixels")
	ErrUploadTooLarge       = errors.New("the upload is larger than the limit")
)
