package ticketing

import (
	"errors"
	"fmt"
	"time"

	"ecinema/validate"
)

// Errors of the ticketing rules. Each is a class that api/errors.go maps to
// one HTTP status and code; the service returns them as the Class of a
// *validate.Errors (or, for gates, a *Refusal, which carries the scan's
// result beside the error) whose message is written for the client.
// Invalid fields are a *validate.Errors without a class (400).
var (
	// ErrNotFound: no such venue, event, session or ticket (404 not_found).
	ErrNotFound = errors.New("not found")
	// ErrSessionNotFound: a sale or refund names a session that does not exist (404 session_not_found).
	ErrSessionNotFound = errors.New("session not found")
	// ErrOtherVenue: the object belongs to another venue than the key's (403 forbidden).
	ErrOtherVenue = errors.New("belongs to another venue")
	// ErrNoSigningKey: the server has no ECINEMA_TICKET_KEY_FILE, so it can neither create venue keys nor sign (503 not_available).
	ErrNoSigningKey = errors.New("ticket signing is not configured on this server (ECINEMA_TICKET_KEY_FILE)")
	// ErrIdempotencyKeyRequired: a sale or refund without a valid Idempotency-Key (400 idempotency_key_required).
	ErrIdempotencyKeyRequired = errors.New("the Idempotency-Key header is required")
	// ErrTooManyTickets: more than MaxTickets tickets or MaxScans scans in one request (413 too_many_tickets).
	ErrTooManyTickets = errors.New("too many tickets in one request")
	// ErrBadQuery: an invalid query parameter (400 invalid_query).
	ErrBadQuery = errors.New("invalid query")

	// ErrUnknownReference: a venue, event, zone or region the request names does not exist (422 unknown_reference).
	ErrUnknownReference = errors.New("unknown reference")
	// ErrUnknownTariff: a ticket names a tariff the session does not have (422 unknown_tariff).
	ErrUnknownTariff = errors.New("unknown tariff")
	// ErrPriceMismatch: a ticket's price differs from its tariff's (422 price_mismatch).
	ErrPriceMismatch = errors.New("price differs from the tariff")
	// ErrCapacityExceeded: more active tickets than the session's capacity, or a session above its zone's (422 capacity_exceeded).
	ErrCapacityExceeded = errors.New("capacity exceeded")
	// ErrSessionEnded: a sale after the session's end (422 session_ended).
	ErrSessionEnded = errors.New("the session has ended")
	// ErrRefundAfterStart: a refund after the start without reason session_cancelled (422 refund_after_start).
	ErrRefundAfterStart = errors.New("refund after the session started")
	// ErrRefundedAtInFuture: refunded_at more than clockSkew ahead of the server (422 refunded_at_in_future).
	ErrRefundedAtInFuture = errors.New("refunded_at is in the future")
	// ErrRefundedBeforeSale: refunded_at before the ticket's sale (422 refunded_before_sale).
	ErrRefundedBeforeSale = errors.New("refunded_at is before the sale")

	// ErrDuplicateTicket: a ticket id sold before (anywhere: ids are national) or twice in one request (409 duplicate_ticket).
	ErrDuplicateTicket = errors.New("duplicate ticket id")
	// ErrSeatAlreadySold: the seat is sold and not refunded for this session (409 seat_already_sold).
	ErrSeatAlreadySold = errors.New("seat already sold")
	// ErrSessionHasSales: a session with sales cannot be changed (409 session_has_sales).
	ErrSessionHasSales = errors.New("the session has sales")
	// ErrTicketNotSold: a refund names a ticket never sold (409 ticket_not_sold).
	ErrTicketNotSold = errors.New("ticket not sold")
	// ErrTicketAlreadyRefunded: a refund names a refunded ticket (409 ticket_already_refunded).
	ErrTicketAlreadyRefunded = errors.New("ticket already refunded")
	// ErrTicketNotInSession: a refund names a ticket of another session (409 ticket_not_in_session).
	ErrTicketNotInSession = errors.New("ticket belongs to another session")
	// ErrIdempotencyKeyReused: the Idempotency-Key was used with another request (409 idempotency_key_reused).
	ErrIdempotencyKeyReused = errors.New("idempotency key reused with another request")
	// ErrEventVenueChanged: an event cannot move to another venue (409 event_venue_changed).
	ErrEventVenueChanged = errors.New("an event cannot move to another venue")

	// Gate refusals (check-ins); the result code of a scan is the API code.

	// ErrInvalidCode: bad prefix, Base45, COSE, CBOR or signature, unknown kid, or a key used outside its validity (422 invalid_code).
	ErrInvalidCode = errors.New("invalid ticket code")
	// ErrWrongVenue: the code is another venue's (422 wrong_venue).
	ErrWrongVenue = errors.New("ticket of another venue")
	// ErrNotYetValid: scanned before the code's not-before (422 not_yet_valid).
	ErrNotYetValid = errors.New("ticket not yet valid")
	// ErrExpired: scanned more than an hour after the code's expiry (422 expired).
	ErrExpired = errors.New("ticket expired")
	// ErrInFuture: the nonce of an offline scan recorded in_future, sent again
	// online (422 in_future).
	ErrInFuture = errors.New("scan dated in the future")
	// ErrRevoked: the ticket was refunded (410 revoked).
	ErrRevoked = errors.New("ticket revoked")
	// ErrAlreadyAdmitted: the ticket used all its admissions (409 already_admitted).
	ErrAlreadyAdmitted = errors.New("ticket already admitted")
)

// newErr is a rejected request: one of the Err* classes above with a
// message for the client naming what is at fault.
func newErr(class error, format string, args ...any) *validate.Errors {
	return validate.Refuse(class, "", format, args...)
}

// fieldErr is a rejected request naming the request field at fault.
func fieldErr(field string, class error, format string, args ...any) *validate.Errors {
	return validate.Refuse(class, field, format, args...)
}

// Scan results: "admitted" or the code of a refusal.
const (
	ResultAdmitted         = "admitted"
	ResultAlreadyAdmitted  = "already_admitted"
	ResultDuplicateOffline = "duplicate_offline"
	ResultInvalidCode      = "invalid_code"
	ResultWrongVenue       = "wrong_venue"
	ResultNotYetValid      = "not_yet_valid"
	ResultExpired          = "expired"
	ResultRevoked          = "revoked"
	// ResultInFuture is a queued scan dated more than clockSkew after the
	// server's clock: recorded, never admitted (offline batches only; an
	// online check-in so dated is a 400 with the field code in_future).
	ResultInFuture = "in_future"
)

var resultClass = map[string]error{
	ResultAlreadyAdmitted:  ErrAlreadyAdmitted,
	ResultDuplicateOffline: ErrAlreadyAdmitted,
	ResultInvalidCode:      ErrInvalidCode,
	ResultWrongVenue:       ErrWrongVenue,
	ResultNotYetValid:      ErrNotYetValid,
	ResultExpired:          ErrExpired,
	ResultRevoked:          ErrRevoked,
	ResultInFuture:         ErrInFuture,
}

// Refusal is a scan that does not admit: its result code, the ticket (when
// the code could be read) and, for already_admitted, when and at which gate
// the ticket was admitted last.
type Refusal struct {
	Result     string
	TicketID   string
	AdmittedAt *time.Time
	Gate       string
	Message    string
}

// Error returns the client message.
func (r *Refusal) Error() string { return r.Message }

// Unwrap returns the error class of the result.
func (r *Refusal) Unwrap() error { return resultClass[r.Result] }

func refuse(result, ticketID, format string, args ...any) *Refusal {
	return &Refusal{Result: result, TicketID: ticketID, Message: fmt.Sprintf(format, args...)}
}

// asRuleError returns the *validate.Errors or *Refusal inside err
// (dropping the ledger's wrapping, whose prefix is not for clients), or err
// itself.
func asRuleError(err error) error {
	var e *validate.Errors
	if errors.As(err, &e) {
		return e
	}
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	return err
}
