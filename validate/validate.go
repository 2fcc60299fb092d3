// Package validate checks request fields and collects every problem, so a
// client learns about all invalid fields of a request at once, and holds
// the one error type of a refused request (*Errors) that every domain
// package returns for bad input and api/errors.go maps to a status, a code
// and field details.
//
// Invariants: money is parsed from decimal strings with at most two
// fraction digits (tiyn) and never passes through a float; identifiers match
// IDPattern; a collector (an *Errors without a Class) with no fields is never
// returned as an error (Err); an *Errors unwraps to its Class, or to
// ErrInvalid when it has none, so errors.Is finds the row of the API's table.
package validate

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// IdempotencyKey reports whether s is an acceptable Idempotency-Key
// header: 1 to 255 printable ASCII characters without spaces (every
// endpoint that takes one: cinema and ticket sales, the culture modules'
// create requests).
func IdempotencyKey(s string) bool {
	if len(s) < 1 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// IDPattern is the shape of every client-chosen identifier.
var IDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// MatchID is IDPattern.MatchString without the regexp engine (a sale
// checks several ids a ticket); TestMatchID pins the two together.
func MatchID(s string) bool {
	if len(s) < 1 || len(s) > 64 || !idByte(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !idByte(c) && c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

func idByte(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

// Add records an invalid field.
func (e *Errors) Add(field, code, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds a field, else nil.
func (e *Errors) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Required records a missing field when s is empty and reports whether it was present.
func (e *Errors) Required(field, s string) bool {
	if strings.TrimSpace(s) == "" {
		e.Add(field, "required", "is required")
		return false
	}
	return true
}

// Period checks a from..to query pair: both required, to not before from.
// It reports whether both are present and in order, so that the caller
// can check its own limit on the span.
func (e *Errors) Period(from, to time.Time) bool {
	if from.IsZero() {
		e.Add("from", "required", "is required")
	}
	if to.IsZero() {
		e.Add("to", "required", "is required")
	}
	if from.IsZero() || to.IsZero() {
		return false
	}
	if to.Before(from) {
		e.Add("to", "out_of_range", "must not be before from")
		return false
	}
	return true
}

// ID checks a required identifier.
func (e *Errors) ID(field, s string) {
	if !e.Required(field, s) {
		return
	}
	if !MatchID(s) {
		e.Add(field, "invalid_id", "must match %s", IDPattern)
	}
}

// Money parses a required amount with at most two fraction digits within
// [min, max]. It returns zero when the field is invalid.
func (e *Errors) Money(field, s string, min, max decimal.Decimal) decimal.Decimal {
	if !e.Required(field, s) {
		return decimal.Zero
	}
	d, err := parseMoney(s)
	if err != nil {
		e.Add(field, "invalid_amount", "%v", err)
		return decimal.Zero
	}
	if d.LessThan(min) || d.GreaterThan(max) {
		e.Add(field, "out_of_range", "must be between %s and %s", min.StringFixed(2), max.StringFixed(2))
		return decimal.Zero
	}
	return d
}

// Percent parses a required percentage 0..100 with at most four fraction digits.
func (e *Errors) Percent(field, s string) decimal.Decimal {
	if !e.Required(field, s) {
		return decimal.Zero
	}
	d, err := parseDecimal(s, 4)
	if err != nil {
		e.Add(field, "invalid_percent", "%v", err)
		return decimal.Zero
	}
	if d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
		e.Add(field, "out_of_range", "must be between 0 and 100")
		return decimal.Zero
	}
	return d
}

// Date parses a required calendar date YYYY-MM-DD between minDate and
// maxDate.
func (e *Errors) Date(field, s string) time.Time {
	return e.dateIn(field, s, minDate, maxDate)
}

// OperationalDate parses a required date of the business the service
// records (sales, screenings, fiscal totals, rental terms): between
// MinOperational and MaxOperational.
func (e *Errors) OperationalDate(field, s string) time.Time {
	return e.dateIn(field, s, MinOperational, MaxOperational)
}

// dateIn parses a required calendar date YYYY-MM-DD in [min, max).
func (e *Errors) dateIn(field, s string, min, max time.Time) time.Time {
	if !e.Required(field, s) {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		e.Add(field, "invalid_date", "must be a date YYYY-MM-DD")
		return time.Time{}
	}
	if !InRange(d, min, max) {
		e.Add(field, "out_of_range", "must be from %s to %s", min.Format(time.DateOnly), max.AddDate(0, 0, -1).Format(time.DateOnly))
		return time.Time{}
	}
	return d
}

// partialDatePattern is YYYY, YYYY-MM or YYYY-MM-DD in digits.
var partialDatePattern = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$`)

// PastPartialDate checks an optional date of something that has happened
// (a conscription, an award, an edition's issue, an acquisition), written
// as YYYY, YYYY-MM or YYYY-MM-DD: a real calendar date (month 01–12, a day
// its month has), not after today at its own precision (a year not after
// today's year, a month not after today's month). today is the caller's
// local date (kztime.LocalDate of its clock). A malformed or impossible
// date is recorded with code, the module's own; a later one with
// "in_future". Empty is allowed.
func (e *Errors) PastPartialDate(field, s, code string, today time.Time) {
	if s == "" {
		return
	}
	const shape = "must be YYYY, YYYY-MM or YYYY-MM-DD"
	if !partialDatePattern.MatchString(s) {
		e.Add(field, code, shape)
		return
	}
	layout := []string{4: "2006", 7: "2006-01", 10: time.DateOnly}[len(s)]
	d, err := time.Parse(layout, s)
	if err != nil {
		e.Add(field, code, "%q is not a calendar date: %s", s, shape)
		return
	}
	// The last day the date may stand for and still be in the past.
	y, m, day := today.Date()
	switch len(s) {
	case 4:
		today = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	case 7:
		today = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	default:
		today = time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	}
	if d.After(today) {
		e.Add(field, "in_future", "%s is after today (%s in Kazakhstan)", s, time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
	}
}

// Time parses a required RFC 3339 timestamp with an offset (see ParseTime)
// between MinOperational and MaxOperational.
func (e *Errors) Time(field, s string) time.Time {
	if !e.Required(field, s) {
		return time.Time{}
	}
	t, err := ParseTime(s)
	if err != nil {
		e.Add(field, "invalid_time", "%v", err)
		return time.Time{}
	}
	if !InRange(t, MinOperational, MaxOperational) {
		e.Add(field, "out_of_range", "must be from %s to %s", MinOperational.Format(time.DateOnly), MaxOperational.AddDate(0, 0, -1).Format(time.DateOnly))
		return time.Time{}
	}
	return t
}

// OneOf checks that a required value is one of the allowed ones.
func (e *Errors) OneOf(field, s string, allowed ...string) {
	if !e.Required(field, s) {
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	e.Add(field, "invalid_value", "must be one of %s", strings.Join(allowed, ", "))
}

var moneyPattern = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,2})?$`)

// parseMoney parses a decimal string with at most two fraction digits.
func parseMoney(s string) (decimal.Decimal, error) {
	if !moneyPattern.MatchString(s) {
		return decimal.Zero, fmt.Errorf("%q is not an amount with at most 2 decimals, like \"2500.00\"", s)
	}
	return decimal.NewFromString(s)
}

func parseDecimal(s string, places int) (decimal.Decimal, error) {
	re := regexp.MustCompile(fmt.Sprintf(`^-?[0-9]{1,15}(\.[0-9]{1,%d})?$`, places))
	if !re.MatchString(s) {
		return decimal.Zero, fmt.Errorf("%q is not a decimal with at most %d decimals", s, places)
	}
	return decimal.NewFromString(s)
}
