package posclient

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/validate"
)

// Screening is the body of PUT /v1/screenings/{id}. The screening's id is the
// path parameter, not part of the body. Every field is required.
type Screening struct {
	HallID   string    `json:"hall_id"`
	FilmID   string    `json:"film_id"`
	StartsAt time.Time `json:"starts_at"` // RFC 3339 on the wire; any offset
	Format   string    `json:"format"`    // required: "2D", "3D", "IMAX", ...
	Language string    `json:"language"`  // required: ISO 639 code, "kk", "ru", "en", ...
}

// Entry identifies the ledger entry a write became.
type Entry struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"` // lowercase hex SHA-256(0x00 || entry bytes)
}

// ScreeningResult is the server's answer to PutScreening.
type ScreeningResult struct {
	Entry     Entry         `json:"entry"`
	Screening ScreeningView `json:"screening"`

	// Status is the HTTP status of the answer: 201 created, 200 replaced.
	Status int `json:"-"`
}

// ScreeningView is a screening as the server stored it.
type ScreeningView struct {
	ID           string    `json:"id"`
	Version      int       `json:"version"`
	HallID       string    `json:"hall_id"`
	FilmID       string    `json:"film_id"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`        // start plus the film's runtime
	BoxOfficeDay string    `json:"box_office_day"` // YYYY-MM-DD: local start date, the day before if before 06:00
	Format       string    `json:"format"`
	Language     string    `json:"language"`
	Seats        int       `json:"seats"` // the hall's seats
}

// ScreeningState is a screening as the ledger holds it, with its sales so
// far (Client.Screenings, Client.ScreeningTickets).
type ScreeningState struct {
	ScreeningView
	TicketsSold   int             `json:"tickets_sold"`   // ever sold
	TicketsActive int             `json:"tickets_active"` // sold and not refunded
	Gross         decimal.Decimal `json:"gross"`          // of the active tickets, sent as a string
	EntrySeq      int64           `json:"entry_seq"`      // the latest screening entry
}

// SoldTicket is a ticket as the ledger holds it.
type SoldTicket struct {
	ID         string          `json:"id"`
	Price      decimal.Decimal `json:"price"`
	Category   string          `json:"category"`
	Seat       *string         `json:"seat"` // nil for an unseated sale
	Channel    string          `json:"channel"`
	SoldAt     time.Time       `json:"sold_at"`
	SaleDate   string          `json:"sale_date"` // YYYY-MM-DD, local (UTC+5)
	SaleSeq    int64           `json:"sale_seq"`  // the sale's ledger entry
	RefundedAt *time.Time      `json:"refunded_at"`
	RefundSeq  *int64          `json:"refund_seq"`
}

// Ticket is one sold ticket in a SalesRequest.
//
// Price is a decimal amount of tenge with at most 2 fraction digits; it is
// sent as a string with exactly two ("2500.00"). The client refuses to send a
// price that would lose digits (ErrInvalidRequest).
type Ticket struct {
	ID       string          // unique within the cinema
	SoldAt   time.Time       // RFC 3339 on the wire
	Price    decimal.Decimal // 0 to 1,000,000.00 (checked by the server)
	Category string          // adult, child, student, senior, discount, complimentary
	Seat     string          // e.g. "R5-12"; optional (omitted when empty: unseated sale)
	Channel  string          // required: a lowercase word such as "box_office" or "web"
}

// ticketWire is Ticket as it travels: money as a string, never a float.
type ticketWire struct {
	ID       string    `json:"id"`
	SoldAt   time.Time `json:"sold_at"`
	Price    string    `json:"price"`
	Category string    `json:"category"`
	Seat     string    `json:"seat,omitempty"`
	Channel  string    `json:"channel"`
}

// MarshalJSON encodes the ticket with its price as a two-decimal string. It
// fails rather than round a price with more than two fraction digits.
func (t Ticket) MarshalJSON() ([]byte, error) {
	price, err := formatMoney(t.Price)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ticketWire{
		ID: t.ID, SoldAt: t.SoldAt, Price: price, Category: t.Category, Seat: t.Seat, Channel: t.Channel,
	})
}

// UnmarshalJSON decodes a ticket; the price must be a JSON string with at
// most two fraction digits (a JSON number is rejected, so no float is ever
// involved).
func (t *Ticket) UnmarshalJSON(b []byte) error {
	var w ticketWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	price, err := parseMoney(w.Price)
	if err != nil {
		return fmt.Errorf("price: %w", err)
	}
	*t = Ticket{ID: w.ID, SoldAt: w.SoldAt, Price: price, Category: w.Category, Seat: w.Seat, Channel: w.Channel}
	return nil
}

// SalesRequest is the body of POST /v1/sales: tickets sold for one screening.
// One request becomes one ledger entry, all of it or nothing.
type SalesRequest struct {
	ScreeningID string   `json:"screening_id"`
	Tickets     []Ticket `json:"tickets"`

	// IdempotencyKey is sent as the Idempotency-Key header. Leave it empty
	// and the client generates one per PostSales call, reused on each retry
	// of that call. A POS that keeps unsent batches across restarts should
	// store a key with each batch and set it here, so that sending the batch
	// again after a crash cannot record it twice.
	IdempotencyKey string `json:"-"`
}

// SalesResult is the server's answer to PostSales (201, or the replay of the
// first answer when the same key and body were sent before).
type SalesResult struct {
	Entry    Entry    `json:"entry"`
	Accepted int      `json:"accepted"`
	Flags    []string `json:"flags"` // anomaly flags: late_report, night_high_occupancy, sold_after_start

	// Status is the HTTP status of the answer.
	Status int `json:"-"`
	// IdempotencyKey is the key the request was sent with.
	IdempotencyKey string `json:"-"`
}

// RefundTicket names one ticket to refund in full.
type RefundTicket struct {
	ID         string    `json:"id"`
	RefundedAt time.Time `json:"refunded_at"` // RFC 3339 on the wire
}

// RefundRequest is the body of POST /v1/refunds. Reason is required
// ("screening_cancelled") for a refund after the screening started.
type RefundRequest struct {
	ScreeningID string         `json:"screening_id"`
	Tickets     []RefundTicket `json:"tickets"`
	Reason      string         `json:"reason,omitempty"`

	// IdempotencyKey works as in SalesRequest.
	IdempotencyKey string `json:"-"`
}

// ReasonScreeningCancelled is the refund reason for a cancelled show.
const ReasonScreeningCancelled = "screening_cancelled"

// RefundResult is the server's answer to PostRefunds.
type RefundResult struct {
	Entry    Entry           `json:"entry"`
	Refunded int             `json:"refunded"` // tickets refunded
	Amount   decimal.Decimal `json:"amount"`   // their total price, sent as a string

	// Status is the HTTP status of the answer.
	Status int `json:"-"`
	// IdempotencyKey is the key the request was sent with.
	IdempotencyKey string `json:"-"`
}

// formatMoney renders d with exactly two fraction digits, refusing values
// that would be rounded.
func formatMoney(d decimal.Decimal) (string, error) {
	if s, ok := fixed2(d); ok {
		return s, nil
	}
	if !d.Equal(d.Truncate(2)) {
		return "", fmt.Errorf("amount %s has more than 2 fraction digits", d.String())
	}
	return d.StringFixed(2), nil
}

// fixed2 is d.StringFixed(2) for the prices a POS sends (a coefficient
// below 10^13 and an exponent from -2 to 2), without big.Int arithmetic:
// the load generator spent a sixth of its CPU in StringFixed. ok is false
// for any other d (TestFixed2EqualsStringFixed).
func fixed2(d decimal.Decimal) (string, bool) {
	exp := d.Exponent()
	if exp < -2 || exp > 2 {
		return "", false
	}
	c := d.Coefficient()
	if !c.IsInt64() {
		return "", false
	}
	v := c.Int64()
	if v <= -1e13 || v >= 1e13 {
		return "", false
	}
	for ; exp > -2; exp-- {
		v *= 10 // cents
	}
	var b [24]byte
	out := b[:0]
	if v < 0 {
		out = append(out, '-')
		v = -v
	}
	out = strconv.AppendInt(out, v/100, 10)
	out = append(out, '.', byte('0'+v%100/10), byte('0'+v%10))
	return string(out), true
}

// parseMoney parses a decimal string with at most two fraction digits.
func parseMoney(s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amount %q is not a decimal", s)
	}
	if !d.Equal(d.Truncate(2)) {
		return decimal.Decimal{}, fmt.Errorf("amount %q has more than 2 fraction digits", s)
	}
	return d, nil
}

func (s Screening) validate(id string) error {
	if !validate.MatchID(id) {
		return &FieldError{Field: "id", Message: fmt.Sprintf("%q does not match %s", id, validate.IDPattern)}
	}
	for _, f := range []struct{ name, v string }{{"hall_id", s.HallID}, {"film_id", s.FilmID}, {"format", s.Format}, {"language", s.Language}} {
		if f.v == "" {
			return &FieldError{Field: f.name, Message: "not set (the server requires it)"}
		}
	}
	if s.StartsAt.IsZero() {
		return &FieldError{Field: "starts_at", Message: "not set"}
	}
	return nil
}

// salesWire is SalesRequest as it travels: the body json.Marshal gives
// for the request (each Ticket through its MarshalJSON), with the tickets
// encoded as plain structs, without a nested encoding and its compaction
// per ticket (TestSalesWireEqualsMarshal).
type salesWire struct {
	ScreeningID string       `json:"screening_id"`
	Tickets     []ticketWire `json:"tickets"`
}

// wire checks the request and returns its body.
func (r SalesRequest) wire() (*salesWire, error) {
	w := &salesWire{ScreeningID: r.ScreeningID}
	if r.Tickets != nil {
		w.Tickets = make([]ticketWire, len(r.Tickets))
	}
	for i, t := range r.Tickets {
		price, err := formatMoney(t.Price)
		if err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("tickets[%d].price", i), Message: err.Error()}
		}
		if t.SoldAt.IsZero() {
			return nil, &FieldError{Field: fmt.Sprintf("tickets[%d].sold_at", i), Message: "not set"}
		}
		if t.Channel == "" {
			return nil, &FieldError{Field: fmt.Sprintf("tickets[%d].channel", i), Message: "not set (the server requires it)"}
		}
		w.Tickets[i] = ticketWire{ID: t.ID, SoldAt: t.SoldAt, Price: price, Category: t.Category, Seat: t.Seat, Channel: t.Channel}
	}
	if err := validateKey(r.IdempotencyKey); err != nil {
		return nil, err
	}
	return w, nil
}

func (r RefundRequest) validate() error {
	for i, t := range r.Tickets {
		if t.RefundedAt.IsZero() {
			return &FieldError{Field: fmt.Sprintf("tickets[%d].refunded_at", i), Message: "not set"}
		}
	}
	return validateKey(r.IdempotencyKey)
}

// validateKey accepts "" (the client generates a key) or 1 to 255 visible
// ASCII characters, which is what fits an HTTP header unchanged.
func validateKey(k string) error {
	if len(k) > 255 {
		return &FieldError{Field: "IdempotencyKey", Message: "longer than 255 characters"}
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return &FieldError{Field: "IdempotencyKey", Message: "only visible ASCII characters are allowed"}
		}
	}
	return nil
}
