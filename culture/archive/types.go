package archive

import (
	"encoding/json"
	"time"

	"ecinema/culture/langmap"
)

// Unit is an archival unit as served: its record and the service's
// bookkeeping.
type Unit struct {
	UnitRecord
	Version   int       `json:"version"`
	Withdrawn bool      `json:"withdrawn"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UnitRecord is what an archivist writes: a Dublin Core record with its
// citation and access (CULTURE.md section 2).
type UnitRecord struct {
	ID          string      `json:"id"`
	Title       langmap.Map `json:"title"`
	Creator     string      `json:"creator,omitempty"`
	Date        string      `json:"date,omitempty"`
	Description langmap.Map `json:"description,omitempty"`
	Language    []string    `json:"language,omitempty"`
	Subject     []string    `json:"subject,omitempty"`
	Coverage    string      `json:"coverage,omitempty"`
	Type        string      `json:"type,omitempty"`
	Rights      string      `json:"rights,omitempty"`
	Citation    Citation    `json:"citation"`
	Access      string      `json:"access"`
	Persons     []string    `json:"persons,omitempty"`
}

// Citation locates a unit in the archive: archive, fond, inventory
// (opis), file (delo) and sheets. Parts are ASCII codes so that they can
// name OAI-PMH sets.
type Citation struct {
	Archive   string `json:"archive"`
	Fond      string `json:"fond"`
	Inventory string `json:"inventory,omitempty"`
	File      string `json:"file,omitempty"`
	Sheets    string `json:"sheets,omitempty"`
}

// String is the citation as archivists write it:
// "ЦГА РК, ф. R-1, оп. 1, д. 12, л. 1-10" in ASCII codes.
func (c Citation) String() string {
	s := c.Archive + ", f. " + c.Fond
	if c.Inventory != "" {
		s += ", inv. " + c.Inventory
	}
	if c.File != "" {
		s += ", file " + c.File
	}
	if c.Sheets != "" {
		s += ", sheets " + c.Sheets
	}
	return s
}

// Version is one stored version of a unit or person.
type Version struct {
	Version    int             `json:"version"`
	EntrySeq   int64           `json:"entry_seq"`
	RecordedAt time.Time       `json:"recorded_at"`
	Body       json.RawMessage `json:"body"`
}

// Event is a PREMIS event of a unit.
type Event struct {
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail"`
	Object  string    `json:"object"`
	Seq     int64     `json:"entry_seq"`
}

// PREMIS event types (Library of Congress event type vocabulary).
const (
	EventIngestion   = "ingestion"
	EventValidation  = "validation"
	EventDigest      = "message digest calculation"
	EventFixity      = "fixity check"
	EventDeaccession = "deaccession"
)

// AIP is a stored deposit of a unit.
type AIP struct {
	Seq        int64     `json:"entry_seq"`
	UnitID     string    `json:"unit_id"`
	ExternalID string    `json:"external_identifier"`
	Octets     int64     `json:"payload_octets"`
	Files      int       `json:"payload_files"`
	CreatedAt  time.Time `json:"created_at"`
}

// File is one stored file of an AIP.
type File struct {
	Path      string `json:"path"`
	Payload   bool   `json:"payload"`
	SHA256    string `json:"sha256"`
	SHA512    string `json:"sha512"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
}

// Person is a person as served.
type Person struct {
	PersonRecord
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PersonRecord is a WWII participant of the authority file as written.
type PersonRecord struct {
	ID           string        `json:"id"`
	Names        []PersonName  `json:"names"`
	Birth        *Birth        `json:"birth,omitempty"`
	Conscription *Conscription `json:"conscription,omitempty"`
	Rank         string        `json:"rank,omitempty"`
	Unit         string        `json:"unit,omitempty"`
	Fate         string        `json:"fate,omitempty"`
	Awards       []Award       `json:"awards,omitempty"`
	Sources      []string      `json:"sources,omitempty"`
}

// PersonName is a person's name in one language.
type PersonName struct {
	Lang       string `json:"lang"`
	Family     string `json:"family"`
	Given      string `json:"given,omitempty"`
	Patronymic string `json:"patronymic,omitempty"`
}

// Birth is a year and place of birth.
type Birth struct {
	Year  int    `json:"year,omitempty"`
	Place string `json:"place,omitempty"`
}

// Conscription is when and by which office a person was called up.
type Conscription struct {
	Date   string `json:"date,omitempty"`
	Office string `json:"office,omitempty"`
}

// Award is a decoration with its date.
type Award struct {
	Name string `json:"name"`
	Date string `json:"date,omitempty"`
}

// SyncRow is one outbox row of the Batyrlarga tagzym sync.
type SyncRow struct {
	ID         string    `json:"id"`
	PersonID   string    `json:"person_id"`
	Version    int       `json:"version"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at"`
	LastStatus *int      `json:"last_status"`
	LastBody   *string   `json:"last_body"`
	RemoteBody *string   `json:"remote_body,omitempty"`
}

// Sync states.
const (
	SyncPending   = "pending"
	SyncDone      = "done"
	SyncDead      = "dead"
	SyncReconcile = "reconcile"
)
