package ingest

import (
	"errors"
	"fmt"

	"ecinema/validate"
)

// Errors of the ingest rules. Each is a class the API maps to one HTTP
// status and code (api/errors.go); the service returns them as the Class of
// a *validate.Errors whose message is written for the client. Invalid fields
// are a *validate.Errors without a class (400).
var (
	// ErrMalformed: the body is not JSON of the expected shape (400 malformed_json).
	ErrMalformed = errors.New("malformed request body")
	// ErrIdempotencyKeyRequired: POST without a valid Idempotency-Key header (400).
	ErrIdempotencyKeyRequired = errors.New("the Idempotency-Key header is required: 1 to 255 printable ASCII characters")
	// ErrTooManyTickets: more than maxTickets tickets in one request (413).
	ErrTooManyTickets = errors.New("too many tickets in one request")

	// ErrScreeningNotFound: no such screening in the key's cinema (404).
	ErrScreeningNotFound = errors.New("screening not found")
	// ErrOtherCinema: the screening belongs to another cinema than the key's (403).
	ErrOtherCinema = errors.New("the screening belongs to another cinema")

	// ErrDuplicateTicket: a ticket id already used in this cinema, or twice in one request (409).
	ErrDuplicateTicket = errors.New("duplicate ticket id")
	// ErrSeatAlreadySold: the seat is sold and not refunded for this screening (409).
	ErrSeatAlreadySold = errors.New("seat already sold")
	// ErrTicketNotSold: a refund names a ticket that was never sold in this cinema (409).
	ErrTicketNotSold = errors.New("ticket not sold")
	// ErrTicketAlreadyRefunded: a refund names a ticket already refunded (409).
	ErrTicketAlreadyRefunded = errors.New("ticket already refunded")
	// ErrTicketNotInScreening: a refund names a ticket of another screening (409).
	ErrTicketNotInScreening = errors.New("ticket belongs to another screening")
	// ErrScreeningOverlap: another screening in the same hall overlaps (409).
	ErrScreeningOverlap = errors.New("overlapping screening in the hall")
	// ErrScreeningHasSales: the screening has sales and cannot be replaced (409).
	ErrScreeningHasSales = errors.New("screening has sales")
	// ErrIdempotencyKeyReused: the Idempotency-Key was used with another request (409).
	ErrIdempotencyKeyReused = errors.New("idempotency key reused with another request")

	// ErrCapacityExceeded: more tickets than the hall's seats (422).
	ErrCapacityExceeded = errors.New("more tickets than seats")
	// ErrSoldAtInFuture: sold_at more than 5 minutes ahead of the server clock (422).
	ErrSoldAtInFuture = errors.New("sold_at is in the future")
	// ErrSoldAfterEnd: sold_at after the screening's end (422).
	ErrSoldAfterEnd = errors.New("sold_at is after the screening's end")
	// ErrRefundAfterStart: a refund after the start without reason screening_cancelled (422).
	ErrRefundAfterStart = errors.New("refund after the screening started")
	// ErrRefundedAtInFuture: refunded_at more than 5 minutes ahead of the server clock (422).
	ErrRefundedAtInFuture = errors.New("refunded_at is in the future")
	// ErrRefundedBeforeSale: refunded_at before the ticket's sold_at (422).
	ErrRefundedBeforeSale = errors.New("refunded_at is before the sale")
	// ErrAgeRestrictedTime: a 21+ film starting outside 22:00–06:00 local time (422).
	ErrAgeRestrictedTime = errors.New("21+ films start only between 22:00 and 06:00")
	// ErrCertificateNotValid: the film's distribution certificate is not valid on the box-office day (422).
	ErrCertificateNotValid = errors.New("distribution certificate not valid")
	// ErrUnknownHall: the hall is not a hall of the key's cinema (422).
	ErrUnknownHall = errors.New("unknown hall")
	// ErrUnknownFilm: the film is not registered (422).
	ErrUnknownFilm = errors.New("unknown film")

	// ErrBadAnomalyQuery: an invalid anomaly filter (400).
	ErrBadAnomalyQuery = errors.New("invalid anomaly query")
)

// newErr is a rejected request: one of the Err* classes above with a
// message for the client (which names the ticket, seat or screening at
// fault), as the one error type of bad input.
func newErr(class error, format string, args ...any) *validate.Errors {
	return validate.Refuse(class, "", format, args...)
}

// fieldErr names the request field an error is about.
func fieldErr(e *validate.Errors, field string) *validate.Errors {
	e.Fields = []validate.FieldError{{Field: field, Message: e.Message}}
	return e
}

// ticketField names the id of the request's i-th ticket.
func ticketField(i int) string { return fmt.Sprintf("tickets[%d].id", i) }

// soldAtField names the sold_at of the request's i-th ticket.
func soldAtField(i int) string { return fmt.Sprintf("tickets[%d].sold_at", i) }

// refundedAtField names the refunded_at of the request's i-th ticket.
func refundedAtField(i int) string { return fmt.Sprintf("tickets[%d].refunded_at", i) }

// asRuleError returns the refusal inside err (dropping the ledger's
// wrapping, whose prefix is not for clients), or err itself.
func asRuleError(err error) error { return validate.Cause(err) }
