package oaipmh

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Format is a metadata format a source can disseminate.
type Format struct {
	Prefix    string // metadataPrefix, e.g. "oai_dc"
	Schema    string // URL of its XML schema
	Namespace string // its XML namespace
}

// FormatOAIDC is unqualified Dublin Core, which every item must offer.
var FormatOAIDC = Format{
	Prefix:    "oai_dc",
	Schema:    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
	Namespace: "http://www.openarchives.org/OAI/2.0/oai_dc/",
}

// Set is a set a source owns. Spec follows the protocol's setSpec syntax:
// colon-separated parts of [A-Za-z0-9-_.!~*'()].
type Set struct {
	Spec string
	Name string
}

// Header is a record's header.
type Header struct {
	Identifier string    // oai:… identifier (Provider.Identifier)
	Datestamp  time.Time // last change (or deletion), UTC
	Sets       []string  // setSpecs the item belongs to, parents included
	Deleted    bool      // the item was withdrawn: header only, kept forever
}

// Record is a header with, unless deleted or only headers were asked
// for, the XML of the metadata element's single child.
type Record struct {
	Header
	Metadata []byte
}

// Query selects records of one source.
type Query struct {
	Prefix string // metadataPrefix; the source lists only items it can disseminate in it
	Set    string // setSpec; "" for all
	// From and Before bound the datestamps: From <= datestamp < Before;
	// a zero time leaves that side open.
	From, Before time.Time
	Cursor       string // the source's own cursor from a previous Page.Next; "" to start
	Limit        int    // most records to return; 0: only count (Page.Total)
	HeadersOnly  bool   // ListIdentifiers: Metadata may be left nil
}

// Page is one slice of a source's list.
type Page struct {
	Records []Record
	Next    string // cursor of the following records; "" when none follow
	Total   int    // records matching the query (ignoring Cursor and Limit)
}

// Source is a module's catalogue as the provider sees it.
type Source interface {
	// Sets lists the sets the source owns.
	Sets(ctx context.Context) ([]Set, error)
	// Formats lists the metadata formats the source can disseminate.
	Formats() []Format
	// List returns records in (datestamp, identifier) order.
	List(ctx context.Context, q Query) (Page, error)
	// Get returns one record in format prefix; with prefix "" only the
	// header is needed (existence check). ErrIDDoesNotExist when the
	// identifier is not the source's (or is restricted);
	// ErrCannotDisseminateFormat when the item exists but not in prefix.
	Get(ctx context.Context, identifier, prefix string) (Record, error)
}

// EarliestSource is implemented by sources that know their earliest
// datestamp; Identify reports the earliest over all sources.
type EarliestSource interface {
	Earliest(ctx context.Context) (t time.Time, ok bool, err error)
}

var (
	// ErrIDDoesNotExist is a Source's answer for an identifier it does not hold.
	ErrIDDoesNotExist = errors.New("oaipmh: identifier does not exist")
	// ErrCannotDisseminateFormat is a Source's answer for an item it holds
	// but cannot give in the requested format.
	ErrCannotDisseminateFormat = errors.New("oaipmh: cannot disseminate format")
)

// What every source does with a Query, written once: the helpers below
// scope the set, bound the datestamps, read and make the cursor, and check
// the format. A source's own code is its SQL and its records.

// Offers reports whether formats holds the metadataPrefix prefix.
func Offers(formats []Format, prefix string) bool {
	for _, f := range formats {
		if f.Prefix == prefix {
			return true
		}
	}
	return false
}

// CheckFormat is a Source.Get's answer for prefix: nil for "" (a header
// only) or a prefix of formats, else ErrCannotDisseminateFormat.
func CheckFormat(formats []Format, prefix string) error {
	if prefix == "" || Offers(formats, prefix) {
		return nil
	}
	return ErrCannotDisseminateFormat
}

// Scope reads the query's set for a source whose sets are all (every item)
// and sub+key (a part of them; sub "" when there are none). It returns the
// key ("" for the whole source) and whether the set is the source's at all.
func (q Query) Scope(all, sub string) (key string, ok bool) {
	if q.Set == "" || q.Set == all {
		return "", true
	}
	if sub != "" && strings.HasPrefix(q.Set, sub) {
		return strings.TrimPrefix(q.Set, sub), true
	}
	return "", false
}

// Bounds are From and Before as query parameters: nil for an open side.
func (q Query) Bounds() (from, before *time.Time) {
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.Before.IsZero() {
		before = &q.Before
	}
	return from, before
}

// After reads the query's cursor (made by Cut): the datestamp and local id
// the list goes on after, or nil and "" from the start. The cursor comes
// from a resumptionToken the harvester sent back, so one that Cut cannot
// have made (not "<micros>|<id>", or a datestamp outside years 1970–9999)
// is the protocol's badResumptionToken, not a source failure.
func (q Query) After() (*time.Time, string, error) {
	if q.Cursor == "" {
		return nil, "", nil
	}
	micros, id, ok := strings.Cut(q.Cursor, "|")
	us, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || us < 0 || us > maxStampMicros {
		return nil, "", errf(codeBadResumption, "the resumptionToken is not one this repository issued")
	}
	t := time.UnixMicro(us).UTC()
	return &t, id, nil
}

// maxStampMicros is the last datestamp a cursor may carry, 9999-12-31T23:59:59Z.
var maxStampMicros = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).UnixMicro()

// Cut trims rows, read with a limit of limit+1 in (datestamp, local id)
// order, to limit, and returns the cursor after the last row kept when
// more follow ("" when none do); key gives a row's datestamp and id.
func Cut[T any](rows []T, limit int, key func(T) (time.Time, string)) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	at, id := key(rows[limit-1])
	return rows, strconv.FormatInt(at.UnixMicro(), 10) + "|" + id
}
