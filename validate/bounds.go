package validate

import (
	"errors"
	"fmt"
	"time"
)

// Date bounds. Every date the service accepts is stored in an entry and
// replayed by verify --deep through PostgreSQL and Go, so it must survive
// both: year 0 is "0001-01-01 BC" to PostgreSQL and year 9999 overflows
// the arithmetic the rules do on it (a screening's end, a release week).
// The bounds are also the plausible ones, so a typo is caught at the door:
//
//   - minDate..maxDate, for facts about films and contracts (release date,
//     certificate validity): from 1895-12-28, the first paid film show,
//     through 2199 (certificates are issued "until further notice" as far
//     ahead as 2100).
//   - MinOperational..MaxOperational, for the business the service records
//     (sales, refunds, screenings, sessions, fiscal totals, rental terms):
//     this century, 2000 through 2099 — nothing sold before the ledger
//     existed can be reported to it, and the same bound ingest applies.
//
// Historical dates (a museum object's creation, an archive fond's years)
// are not bounded by these; their modules keep their own rules.
var (
	minDate        = time.Date(1895, 12, 28, 0, 0, 0, 0, time.UTC)
	maxDate        = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	MinOperational = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxOperational = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// MaxBodyBytes is the largest request body accepted (SPEC 4: 1 MiB): the
// API's body limit, and the limit of the parsers that take a body.
const MaxBodyBytes = 1 << 20

// InRange reports whether min <= t < max.
func InRange(t, min, max time.Time) bool { return !t.Before(min) && t.Before(max) }

// inTimeProfile reports whether s is in the RFC 3339 profile the API
// accepts: a full date, an upper-case T, seconds, an optional dot fraction
// of up to 9 digits, and Z or a ±hh:mm offset with hh ≤ 23 and mm ≤ 59
// (the regular expression
// ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$
// with the offset's range, checked by hand: it runs on every ticket of
// every sale). Go's time.Parse is laxer (a comma fraction, an offset of
// +24:00); those are refused here so that every accepted time has one
// reading in every language. ok is false with offset set when only the
// offset's range is wrong.
func inTimeProfile(s string) (ok bool, offset string) {
	const head = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(head)+1 {
		return false, ""
	}
	for i := 0; i < len(head); i++ {
		if c := s[i]; head[i] == 'd' && !isDigit(c) || head[i] != 'd' && c != head[i] {
			return false, ""
		}
	}
	rest := s[len(head):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 1 || n > 10 {
			return false, ""
		}
		rest = rest[n:]
	}
	if rest == "Z" {
		return true, ""
	}
	if len(rest) != 6 || rest[0] != '+' && rest[0] != '-' || !isDigit(rest[1]) || !isDigit(rest[2]) || rest[3] != ':' || !isDigit(rest[4]) || !isDigit(rest[5]) {
		return false, ""
	}
	hh := int(rest[1]-'0')*10 + int(rest[2]-'0')
	mm := int(rest[4]-'0')*10 + int(rest[5]-'0')
	if hh > 23 || mm > 59 {
		return false, rest
	}
	return true, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// ParseTime parses an RFC 3339 timestamp of the accepted profile.
func ParseTime(s string) (time.Time, error) {
	if ok, offset := inTimeProfile(s); !ok {
		if offset != "" {
			return time.Time{}, fmt.Errorf("offset %s is out of range (-23:59..+23:59)", offset)
		}
		return time.Time{}, errors.New("must be an RFC 3339 timestamp with an offset, like 2026-03-01T19:30:00+05:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("must be an RFC 3339 timestamp with an offset, like 2026-03-01T19:30:00+05:00")
	}
	return t, nil
}
