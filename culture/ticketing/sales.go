package ticketing

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
	"ecinema/validate"
)

// MaxTickets bounds the tickets of one sale or refund request.
const MaxTickets = 100

var seatPattern = regexp.MustCompile(`^[\p{L}0-9][\p{L}0-9 ._:/-]{0,31}$`)

// SaleRequest is the body of POST /v1/tickets/sales.
type SaleRequest struct {
	SessionID string       `json:"session_id"`
	Tickets   []SaleTicket `json:"tickets"`
}

// SaleTicket is one ticket of a sale.
type SaleTicket struct {
	ID     string `json:"id"`
	Tariff string `json:"tariff"`
	Price  string `json:"price"`
	Seat   string `json:"seat,omitempty"` // empty for unseated tickets
}

// SaleResult is the body of a 201 answer to a sale.
type SaleResult struct {
	Entry   EntryRef     `json:"entry"`
	Tickets []IssuedCode `json:"tickets"`
}

// IssuedCode is a sold ticket with its signed code.
type IssuedCode struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// saleBody is the body of a ticketing_sale entry: everything the
// projections need, the signed codes included.
type saleBody struct {
	VenueID      string           `json:"venue_id"`
	SessionID    string           `json:"session_id"`
	EventID      string           `json:"event_id"`
	SoldAt       string           `json:"sold_at"`
	SaleDate     string           `json:"sale_date"`
	BoxOfficeDay string           `json:"box_office_day"`
	KID          string           `json:"kid"`
	Gross        string           `json:"gross"`
	Tickets      []saleBodyTicket `json:"tickets"`
}

type saleBodyTicket struct {
	ID         string `json:"id"`
	Tariff     string `json:"tariff"`
	Price      string `json:"price"`
	Seat       string `json:"seat,omitempty"`
	Admissions int    `json:"admissions"`
	Code       string `json:"code"`
}

const (
	// sqlSessionSold adds a sale to the session totals while the capacity
	// suffices (Prepare decided it does; the rebuild checks it again).
	sqlSessionSold = `UPDATE ticketing_sessions SET tickets_sold = tickets_sold + $2, tickets_active = tickets_active + $2,
  gross = gross + $3::numeric
WHERE id = $1 AND tickets_active + $2 <= capacity`
	sqlTicketsSell = `INSERT INTO ticketing_tickets (id, venue_id, session_id, event_id, tariff, price, seat, admissions,
  sold_at, sale_date, box_office_day, sale_seq, kid, code)
SELECT u.id, $1, $2, $3, u.tariff, u.price::numeric, NULLIF(u.seat, ''), u.admissions, $4, $5, $6, $7, $8, u.code
FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::text[]) AS u(id, tariff, price, seat, admissions, code)`
)

func (r *SaleRequest) check() error {
	if len(r.Tickets) > MaxTickets {
		return newErr(ErrTooManyTickets, "%d tickets in one request; at most %d", len(r.Tickets), MaxTickets)
	}
	var errs validate.Errors
	errs.ID("session_id", r.SessionID)
	if len(r.Tickets) == 0 {
		errs.Add("tickets", "required", "at least one ticket is required")
	}
	for i, t := range r.Tickets {
		f := fmt.Sprintf("tickets[%d].", i)
		errs.ID(f+"id", t.ID)
		errs.ID(f+"tariff", t.Tariff)
		p := errs.Money(f+"price", t.Price, decimal.Zero, maxTariffPrice)
		r.Tickets[i].Price = p.StringFixed(2)
		// No trailing space or run of spaces: "B1 " would sell seat "B1" twice.
		if t.Seat != "" && (!seatPattern.MatchString(t.Seat) || strings.HasSuffix(t.Seat, " ") || strings.Contains(t.Seat, "  ")) {
			errs.Add(f+"seat", "invalid_format", "a seat is 1 to 32 letters, digits, single spaces or . _ : / -, starting with a letter or digit and not ending with a space")
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	ids, seats := map[string]int{}, map[string]int{}
	for i, t := range r.Tickets {
		if j, ok := ids[t.ID]; ok {
			return fieldErr(fmt.Sprintf("tickets[%d].id", i), ErrDuplicateTicket, "ticket %q appears twice in the request (tickets[%d] and tickets[%d])", t.ID, j, i)
		}
		ids[t.ID] = i
		if t.Seat == "" {
			continue
		}
		if j, ok := seats[t.Seat]; ok {
			return fieldErr(fmt.Sprintf("tickets[%d].seat", i), ErrSeatAlreadySold, "seat %q appears twice in the request (tickets[%d] and tickets[%d])", t.Seat, j, i)
		}
		seats[t.Seat] = i
	}
	return nil
}

func saleResult(e ledger.Entry, b saleBody) SaleResult {
	r := SaleResult{Entry: entryRef(e), Tickets: make([]IssuedCode, len(b.Tickets))}
	for i, t := range b.Tickets {
		r.Tickets[i] = IssuedCode{ID: t.ID, Code: t.Code}
	}
	return r
}

// applySale writes a sale entry's projections in the rebuild (deepCheck):
// the statements the live write queues (queueSale), sent at once.
func applySale(ctx context.Context, tx pgx.Tx, e ledger.Entry, b saleBody) error {
	batch := &pgx.Batch{}
	if err := queueSale(batch, e, b); err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("write sale: %w", err)
	}
	return nil
}
