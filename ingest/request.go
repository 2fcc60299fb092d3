package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/validate"
)

// maxTickets is the most tickets one sales or refund request may carry
// (more → 413). A body is at most validate.MaxBodyBytes.
const maxTickets = 1000

// priceCategories of ticket prices.
var priceCategories = []string{"adult", "child", "student", "senior", "discount", "complimentary"}

// reasonScreeningCancelled is the refund reason that allows refunds after
// the screening started.
const reasonScreeningCancelled = "screening_cancelled"

var (
	pricePattern   matcher = priceMatcher{} // ^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$
	seatPattern    matcher = seatMatcher{re: regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._:/-]{0,31}$`)}
	channelPattern matcher = asciiPattern{first: lower, rest: wordRest, maxRest: 31} // ^[a-z][a-z0-9_]{0,31}$
	reasonPattern  matcher = asciiPattern{first: lower, rest: wordRest, maxRest: 63} // ^[a-z][a-z0-9_]{0,63}$
	formatPattern          = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,15}$`)
	langPattern            = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

	maxPrice = decimal.RequireFromString("1000000.00")
)

// validID reports whether s is a valid client-chosen id.
func validID(s string) bool { return validate.MatchID(s) }

// ValidIdempotencyKey reports whether s is an acceptable Idempotency-Key:
// 1 to 255 printable ASCII characters without spaces.
func ValidIdempotencyKey(s string) bool { return validate.IdempotencyKey(s) }

// Ticket is one validated ticket of a sale.
type Ticket struct {
	ID       string
	SoldAt   time.Time // UTC, microsecond precision
	Price    decimal.Decimal
	Category string
	Seat     string // "" when the ticket has no seat
	Channel  string
}

// Sale is a validated POST /v1/sales request.
type Sale struct {
	ScreeningID string
	Tickets     []Ticket
}

// RefundTicket is one ticket of a refund.
type RefundTicket struct {
	ID         string
	RefundedAt time.Time // UTC, microsecond precision
}

// Refund is a validated POST /v1/refunds request.
type Refund struct {
	ScreeningID string
	Reason      string // "" when none was given
	Tickets     []RefundTicket
}

// Screening is a validated PUT /v1/screenings/{id} request.
type Screening struct {
	ID       string
	HallID   string
	FilmID   string
	StartsAt time.Time // UTC, microsecond precision
	Format   string
	Language string
}

type salesJSON struct {
	ScreeningID *string      `json:"screening_id"`
	Tickets     []ticketJSON `json:"tickets"`
}

type ticketJSON struct {
	ID       *string `json:"id"`
	SoldAt   *string `json:"sold_at"`
	Price    *string `json:"price"`
	Category *string `json:"category"`
	Seat     *string `json:"seat"`
	Channel  *string `json:"channel"`
}

type refundsJSON struct {
	ScreeningID *string            `json:"screening_id"`
	Tickets     []refundTicketJSON `json:"tickets"`
	Reason      *string            `json:"reason"`
}

type refundTicketJSON struct {
	ID         *string `json:"id"`
	RefundedAt *string `json:"refunded_at"`
}

type screeningJSON struct {
	HallID   *string `json:"hall_id"`
	FilmID   *string `json:"film_id"`
	StartsAt *string `json:"starts_at"`
	Format   *string `json:"format"`
	Language *string `json:"language"`
}

// decodeStrict decodes exactly one JSON value into v, rejecting unknown
// fields, wrong types and trailing data.
func decodeStrict(data []byte, v any) error {
	if len(data) > validate.MaxBodyBytes {
		return newErr(ErrMalformed, "the body is over %d bytes", validate.MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newErr(ErrMalformed, "trailing data after the JSON object")
	}
	return nil
}

func malformed(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &validate.Errors{Fields: []validate.FieldError{validate.WrongType(te)}}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &validate.Errors{Fields: []validate.FieldError{{Field: strings.Trim(f, `"`), Code: "unknown_field", Message: "is not a field of this request"}}}
	}
	return newErr(ErrMalformed, "the body is not valid JSON: %v", err)
}

func tooMany(n int) error {
	return newErr(ErrTooManyTickets, "%d tickets in one request; at most %d", n, maxTickets)
}

// fieldErrs collects invalid fields; a hostile request could name thousands,
// 50 are enough to fix it.
type fieldErrs struct{ validate.Errors }

func (v *fieldErrs) add(field, code, format string, args ...any) {
	if len(v.Fields) < 50 {
		v.Add(field, code, format, args...)
	}
}

// ParseSales decodes and statically validates a sales request body: field
// formats, prices (0 to 1,000,000.00, at most two decimals), categories,
// ids, the ticket count and duplicate ids or seats inside the request. It
// does not look at the database or the clock.
func ParseSales(data []byte) (*Sale, error) {
	var in salesJSON
	if err := decodeSales(data, &in); err != nil {
		return nil, err
	}
	if len(in.Tickets) > maxTickets {
		return nil, tooMany(len(in.Tickets))
	}
	var v fieldErrs
	s := &Sale{ScreeningID: requireID(&v, "screening_id", in.ScreeningID)}
	if len(in.Tickets) == 0 {
		v.add("tickets", "required", "at least one ticket is required")
	}
	s.Tickets = make([]Ticket, 0, len(in.Tickets))
	for i, t := range in.Tickets {
		if tk, ok := validTicket(t); ok {
			s.Tickets = append(s.Tickets, tk)
			continue
		}
		f := func(name string) string { return fmt.Sprintf("tickets[%d].%s", i, name) }
		tk := Ticket{
			ID:       requireID(&v, f("id"), t.ID),
			SoldAt:   requireTime(&v, f("sold_at"), t.SoldAt),
			Category: requireCategory(&v, f("category"), t.Category),
			Channel:  requirePattern(&v, f("channel"), t.Channel, channelPattern, "a lowercase word such as box_office or web"),
		}
		tk.Price = requirePrice(&v, f("price"), t.Price)
		if t.Seat != nil {
			if seatPattern.MatchString(*t.Seat) {
				tk.Seat = *t.Seat
			} else {
				v.add(f("seat"), "invalid_format", "a seat is 1 to 32 letters, digits, single spaces or . _ : / -, starting with a letter or digit and not ending with a space")
			}
		}
		s.Tickets = append(s.Tickets, tk)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ids := make(map[string]int, len(s.Tickets))
	seats := make(map[string]int, len(s.Tickets))
	for i, t := range s.Tickets {
		if j, ok := ids[t.ID]; ok {
			return nil, fieldErr(newErr(ErrDuplicateTicket, "ticket %q appears twice in the request (tickets[%d] and tickets[%d])", t.ID, j, i), ticketField(i))
		}
		ids[t.ID] = i
		if t.Seat == "" {
			continue
		}
		if j, ok := seats[t.Seat]; ok {
			return nil, fieldErr(newErr(ErrSeatAlreadySold, "seat %q is sold twice in the request (tickets[%d] and tickets[%d])", t.Seat, j, i),
				fmt.Sprintf("tickets[%d].seat", i))
		}
		seats[t.Seat] = i
	}
	return s, nil
}

// ParseRefunds decodes and statically validates a refund request body.
func ParseRefunds(data []byte) (*Refund, error) {
	var in refundsJSON
	if err := decodeStrict(data, &in); err != nil {
		return nil, err
	}
	if len(in.Tickets) > maxTickets {
		return nil, tooMany(len(in.Tickets))
	}
	var v fieldErrs
	r := &Refund{ScreeningID: requireID(&v, "screening_id", in.ScreeningID)}
	if in.Reason != nil {
		if reasonPattern.MatchString(*in.Reason) {
			r.Reason = *in.Reason
		} else {
			v.add("reason", "invalid_format", "a reason is a lowercase word such as screening_cancelled")
		}
	}
	if len(in.Tickets) == 0 {
		v.add("tickets", "required", "at least one ticket is required")
	}
	r.Tickets = make([]RefundTicket, 0, len(in.Tickets))
	for i, t := range in.Tickets {
		r.Tickets = append(r.Tickets, RefundTicket{
			ID:         requireID(&v, fmt.Sprintf("tickets[%d].id", i), t.ID),
			RefundedAt: requireTime(&v, fmt.Sprintf("tickets[%d].refunded_at", i), t.RefundedAt),
		})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ids := make(map[string]int, len(r.Tickets))
	for i, t := range r.Tickets {
		if j, ok := ids[t.ID]; ok {
			return nil, fieldErr(newErr(ErrDuplicateTicket, "ticket %q appears twice in the request (tickets[%d] and tickets[%d])", t.ID, j, i), ticketField(i))
		}
		ids[t.ID] = i
	}
	return r, nil
}

// ParseScreening decodes and statically validates a screening body; id is
// the screening id from the URL.
func ParseScreening(id string, data []byte) (*Screening, error) {
	var in screeningJSON
	if err := decodeStrict(data, &in); err != nil {
		return nil, err
	}
	var v fieldErrs
	s := &Screening{
		ID:       requireID(&v, "id", &id),
		HallID:   requireID(&v, "hall_id", in.HallID),
		FilmID:   requireID(&v, "film_id", in.FilmID),
		StartsAt: requireTime(&v, "starts_at", in.StartsAt),
		Format:   requirePattern(&v, "format", in.Format, formatPattern, "a format such as 2D, 3D or IMAX"),
		Language: requirePattern(&v, "language", in.Language, langPattern, "an ISO 639 language code such as kk, ru or en"),
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func requireID(v *fieldErrs, field string, s *string) string {
	if s == nil || *s == "" {
		v.add(field, "required", "required")
		return ""
	}
	if !validate.MatchID(*s) {
		v.add(field, "invalid_id", "an id is 1 to 64 characters A-Z a-z 0-9 . _ : - starting with a letter or digit")
		return ""
	}
	return *s
}

func requirePattern(v *fieldErrs, field string, s *string, re matcher, want string) string {
	if s == nil || *s == "" {
		v.add(field, "required", "required")
		return ""
	}
	if !re.MatchString(*s) {
		v.add(field, "invalid_format", "expected %s", want)
		return ""
	}
	return *s
}

func requireCategory(v *fieldErrs, field string, s *string) string {
	if s == nil || *s == "" {
		v.add(field, "required", "required")
		return ""
	}
	for _, c := range priceCategories {
		if *s == c {
			return c
		}
	}
	v.add(field, "invalid_value", "category must be one of %s", strings.Join(priceCategories, ", "))
	return ""
}

func requireTime(v *fieldErrs, field string, s *string) time.Time {
	if s == nil || *s == "" {
		v.add(field, "required", "required")
		return time.Time{}
	}
	t, err := validate.ParseTime(*s)
	if err != nil {
		v.add(field, "invalid_time", "expected an RFC 3339 time with offset, e.g. 2026-03-01T19:30:00+05:00")
		return time.Time{}
	}
	if !validate.InRange(t, validate.MinOperational, validate.MaxOperational) {
		v.add(field, "out_of_range", "the time must be between 2000 and 2099")
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// parsePrice parses a price: a decimal string with at most two fraction
// digits, from 0 to 1,000,000.00.
func parsePrice(s string) (decimal.Decimal, error) {
	if strings.HasPrefix(s, "-") {
		return decimal.Decimal{}, errors.New("a price cannot be negative")
	}
	if !pricePattern.MatchString(s) || len(s) > 16 {
		if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 && pricePattern.MatchString(s[:i+3]) {
			return decimal.Decimal{}, errors.New("a price has at most 2 decimals")
		}
		return decimal.Decimal{}, errors.New(`a price is a decimal string such as "2500.00"`)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, errors.New(`a price is a decimal string such as "2500.00"`)
	}
	if d.GreaterThan(maxPrice) {
		return decimal.Decimal{}, errors.New("a price is at most 1000000.00")
	}
	return d, nil
}

func requirePrice(v *fieldErrs, field string, s *string) decimal.Decimal {
	if s == nil || *s == "" {
		v.add(field, "required", "required")
		return decimal.Decimal{}
	}
	d, err := parsePrice(*s)
	if err != nil {
		v.add(field, "invalid_amount", "%s", err.Error())
		return decimal.Decimal{}
	}
	return d
}
