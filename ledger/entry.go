package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/validate"
)

// formatVersion is the value of "v" in every entry this package writes.
const formatVersion = 1

// timeLayout is the layout of "at": RFC 3339 in UTC with exactly six
// fraction digits (microseconds, PostgreSQL's resolution).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Entry is one stored ledger entry.
type Entry struct {
	Seq      int64
	LeafHash [32]byte // SHA-256(0x00 || Bytes)
	Prev     [32]byte
	At       time.Time // UTC, as written in the bytes
	Kind     string
	Actor    string
	Bytes    []byte // exact stored bytes
}

// Record is what a domain package asks to append.
type Record struct {
	Kind     string   // "party","cinema","film","rental_terms","screening","sale","refund","fiscal_totals","period_close",...
	Actor    string   // API key id, or "system"
	Body     any      // marshalled with encoding/json (compact) into the entry's "body"; must be a JSON object
	CinemaID string   // read scope; "" when none
	FilmID   string   // read scope; "" when none
	Flags    []string // anomaly flags stored with the entry (not part of the hashed bytes)
	// Project writes the projection rows inside the SAME transaction as the
	// entry, after the head row is locked FOR UPDATE, so it sees every
	// earlier entry's projections and may check state rules. It runs inside
	// a savepoint: if it returns an error, nothing of this record is
	// written, the seq is not consumed, other records of the same group
	// commit are unaffected, and Append returns that error wrapped with %w.
	// Project is called once per Append; it must act only through tx and
	// must not commit or roll back tx. ctx carries the caller's values but
	// not its cancellation.
	//
	// Records that many callers append at a high rate should use Batch
	// instead: the group path decides and projects a whole run of records
	// with a few set-based statements and no savepoints.
	Project func(ctx context.Context, tx pgx.Tx, e Entry) error

	// Batch, when set, puts the record on the group path (see Batcher):
	// Body, CinemaID, FilmID, Flags and Project are then ignored, and the
	// Batcher computes them from Request under the head lock.
	Batch   Batcher
	Request any
}

// ErrBadRecord reports a Record the ledger refuses before it reaches the
// database: a malformed kind, actor, flag, scope id, or a body that is not a
// JSON object.
var ErrBadRecord = errors.New("ledger: bad record")

// lowerWord reports whether s matches ^[a-z][a-z0-9_]*$ with at most max
// bytes, checked by hand: a kind (max 32, ^[a-z][a-z0-9_]{0,31}$) and a flag
// (max 64) are checked on every record, and a kind on every entry parsed
// (TestLowerWordEqualsRegexps).
func lowerWord[T string | []byte](s T, max int) bool {
	if len(s) == 0 || len(s) > max || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 || b).
func LeafHash(b []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// marshalBody encodes a record body compactly, without HTML escaping, and
// checks that it is a JSON object.
func marshalBody(body any) ([]byte, error) {
	if b, ok := body.(RawBody); ok {
		if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' || !validJSON(b) {
			return nil, fmt.Errorf("%w: body must be a JSON object", ErrBadRecord)
		}
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrBadRecord, err)
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w: body must be a JSON object", ErrBadRecord)
	}
	return b, nil
}

// checkRecord validates the parts of r that end up in the bytes or the scope
// columns.
func checkRecord(r *Record) error {
	if err := checkScope(r.CinemaID, r.FilmID, r.Flags); err != nil {
		return err
	}
	if !lowerWord(r.Kind, 32) {
		return fmt.Errorf("%w: kind %q", ErrBadRecord, r.Kind)
	}
	if r.Actor != "system" && !validate.MatchID(r.Actor) {
		return fmt.Errorf("%w: actor %q", ErrBadRecord, r.Actor)
	}
	return nil
}

// checkScope validates the scope columns and flags of a record.
func checkScope(cinemaID, filmID string, flags []string) error {
	if cinemaID != "" && !validate.MatchID(cinemaID) {
		return fmt.Errorf("%w: cinema id %q", ErrBadRecord, cinemaID)
	}
	if filmID != "" && !validate.MatchID(filmID) {
		return fmt.Errorf("%w: film id %q", ErrBadRecord, filmID)
	}
	for _, f := range flags {
		if !lowerWord(f, 64) {
			return fmt.Errorf("%w: flag %q", ErrBadRecord, f)
		}
	}
	return nil
}

// encodeEntry returns the exact bytes of an entry:
//
//	{"v":1,"seq":N,"prev":"<hex>","at":"<time>","kind":"<kind>","actor":"<actor>","body":<body>}
//
// kind and actor are JSON strings; body must already be compact JSON.
func encodeEntry(seq int64, prev [32]byte, at time.Time, kind, actor string, body []byte) []byte {
	b := make([]byte, 0, 160+len(kind)+len(actor)+len(body))
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, formatVersion, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"prev":"`...)
	b = hex.AppendEncode(b, prev[:])
	b = append(b, `","at":"`...)
	b = at.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","kind":`...)
	b = appendJSONString(b, kind)
	b = append(b, `,"actor":`...)
	b = appendJSONString(b, actor)
	b = append(b, `,"body":`...)
	b = append(b, body...)
	b = append(b, '}')
	return b
}

func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// ParsedEntry is the decoded header of entry bytes, as a verifier sees it.
type ParsedEntry struct {
	V     int             `json:"v"`
	Seq   int64           `json:"seq"`
	Prev  string          `json:"prev"`
	At    string          `json:"at"`
	Kind  string          `json:"kind"`
	Actor string          `json:"actor"`
	Body  json.RawMessage `json:"body"`
}

// ParseEntry decodes entry bytes and checks their shape: version 1, a
// 64-hex-digit prev, an "at" in UTC with six fraction digits (timeLayout),
// a kind and a JSON object body.
// It does not check the chain; see Verify.
func ParseEntry(b []byte) (ParsedEntry, error) {
	var p ParsedEntry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("not a ledger entry: %v", err)
	}
	if dec.More() {
		return p, errors.New("not a ledger entry: trailing data")
	}
	if p.V != formatVersion {
		return p, fmt.Errorf("unknown version %d", p.V)
	}
	if _, err := parseHex32(p.Prev); err != nil {
		return p, fmt.Errorf("prev: %v", err)
	}
	if _, err := time.Parse(timeLayout, p.At); err != nil {
		return p, fmt.Errorf("at %q: %v", p.At, err)
	}
	if !lowerWord(p.Kind, 32) {
		return p, fmt.Errorf("kind %q", p.Kind)
	}
	if len(p.Body) == 0 || p.Body[0] != '{' {
		return p, errors.New("body is not a JSON object")
	}
	// The bytes must be the one encoding of what they say: the members in
	// order, their exact case, no white space, lowercase hex, the time in
	// timeLayout. A decoder alone would accept "SEQ" or an upper-case prev.
	prev, _ := parseHex32(p.Prev)
	at, _ := time.Parse(timeLayout, p.At)
	if !bytes.Equal(encodeEntry(p.Seq, prev, at, p.Kind, p.Actor, p.Body), b) {
		return p, errors.New("not a ledger entry: the bytes are not the canonical encoding of their members (order, case, white space, hex digits or time layout)")
	}
	return p, nil
}

func parseAt(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

var bodyMarker = []byte(`,"body":`)

// EntryBody returns the body of entry bytes written by encodeEntry: the raw
// JSON object after "body", without decoding the rest (kind and actor
// cannot contain the marker, so its first occurrence starts the body).
func EntryBody(b []byte) ([]byte, error) {
	i := bytes.Index(b, bodyMarker)
	if i < 0 || len(b) < i+len(bodyMarker)+3 || b[len(b)-1] != '}' || b[i+len(bodyMarker)] != '{' {
		return nil, fmt.Errorf("%w: entry bytes without a body object", ErrBadRecord)
	}
	return b[i+len(bodyMarker) : len(b)-1], nil
}
