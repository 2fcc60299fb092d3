package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/boxoffice"
	"ecinema/culture/archive"
	"ecinema/culture/blobstore"
	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/idempotency"
	"ecinema/culture/library"
	"ecinema/culture/museum"
	"ecinema/culture/ngo"
	"ecinema/culture/ticketing"
	"ecinema/ingest"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
	"ecinema/validate"
)

// Errors of the API itself; each has its row in errorTable.
var (
	// errRateLimited is a key over its request rate.
	errRateLimited = errors.New("too many requests for this API key; retry after the Retry-After seconds")
	// errNotReady is /readyz refusing: draining, or a failed check.
	errNotReady = errors.New("not ready")
	// errInvalidIIIF is a IIIF Image API request outside what is served.
	errInvalidIIIF = errors.New("invalid IIIF request")
)

// errorTable is the one place where domain errors become HTTP statuses and
// codes. The first entry that errors.Is matches wins; the message is the
// error's own text, which domain packages write for the client. A refusal
// is a *validate.Errors (the one error type of bad input): it unwraps to its
// class, which finds its row, and its fields become the details (a field
// without a code takes the row's). Anything no row matches is a real
// failure: 500, logged, never shown.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{errNoKey, http.StatusUnauthorized, "unauthenticated"},
	{apikey.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{errForbidden, http.StatusForbidden, "forbidden"},
	{errDBTimeout, http.StatusServiceUnavailable, "database_timeout"},
	{errDBUnavailable, http.StatusServiceUnavailable, "database_unavailable"},
	{errBulkBusy, http.StatusServiceUnavailable, "bulk_readers_busy"},
	{ledger.ErrWriterClosed, http.StatusServiceUnavailable, "shutting_down"},
	{validate.ErrInvalid, http.StatusBadRequest, "invalid_request"},
	{validate.ErrInvalidQuery, http.StatusBadRequest, "invalid_query"},
	{errMalformedJSON, http.StatusBadRequest, "malformed_json"},
	{errRateLimited, http.StatusTooManyRequests, "rate_limited"},
	{errNotReady, http.StatusServiceUnavailable, "not_ready"},
	{errInvalidIIIF, http.StatusBadRequest, "invalid_iiif_request"},
	{registry.ErrNotFound, http.StatusNotFound, "not_found"},
	{archive.ErrNotFound, http.StatusNotFound, "not_found"},
	{archive.ErrWithdrawn, http.StatusConflict, "withdrawn"},
	{archive.ErrTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
	{archive.ErrUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{archive.ErrInvalidBag, http.StatusUnprocessableEntity, "invalid_bag"},
	{archive.ErrBadQuery, http.StatusBadRequest, "invalid_query"},
	{archive.ErrUnknownReference, http.StatusUnprocessableEntity, "unknown_reference"},
	{archive.ErrSyncNotFound, http.StatusNotFound, "not_found"},
	{archive.ErrSyncState, http.StatusConflict, "sync_state"},
	{registry.ErrUnknownReference, http.StatusUnprocessableEntity, "unknown_reference"},
	{registry.ErrHallInUse, http.StatusConflict, "hall_in_use"},
	{registry.ErrPartyInUse, http.StatusConflict, "party_in_use"},
	{ingest.ErrMalformed, http.StatusBadRequest, "malformed_json"},
	{ingest.ErrIdempotencyKeyRequired, http.StatusBadRequest, "idempotency_key_required"},
	{ingest.ErrBadAnomalyQuery, http.StatusBadRequest, "invalid_query"},
	{ingest.ErrTooManyTickets, http.StatusRequestEntityTooLarge, "too_many_tickets"},
	{ingest.ErrScreeningNotFound, http.StatusNotFound, "screening_not_found"},
	{ingest.ErrOtherCinema, http.StatusForbidden, "forbidden"},
	{ingest.ErrDuplicateTicket, http.StatusConflict, "duplicate_ticket"},
	{ingest.ErrSeatAlreadySold, http.StatusConflict, "seat_already_sold"},
	{ingest.ErrTicketNotSold, http.StatusConflict, "ticket_not_sold"},
	{ingest.ErrTicketAlreadyRefunded, http.StatusConflict, "ticket_already_refunded"},
	{ingest.ErrTicketNotInScreening, http.StatusConflict, "ticket_not_in_screening"},
	{ingest.ErrScreeningOverlap, http.StatusConflict, "screening_overlap"},
	{ingest.ErrScreeningHasSales, http.StatusConflict, "screening_has_sales"},
	{ingest.ErrIdempotencyKeyReused, http.StatusConflict, "idempotency_key_reused"},
	{ingest.ErrCapacityExceeded, http.StatusUnprocessableEntity, "capacity_exceeded"},
	{ingest.ErrSoldAtInFuture, http.StatusUnprocessableEntity, "sold_at_in_future"},
	{ingest.ErrSoldAfterEnd, http.StatusUnprocessableEntity, "sold_after_screening_end"},
	{ingest.ErrRefundAfterStart, http.StatusUnprocessableEntity, "refund_after_start"},
	{ingest.ErrRefundedAtInFuture, http.StatusUnprocessableEntity, "refunded_at_in_future"},
	{ingest.ErrRefundedBeforeSale, http.StatusUnprocessableEntity, "refunded_before_sale"},
	{ingest.ErrAgeRestrictedTime, http.StatusUnprocessableEntity, "age_restricted_time"},
	{ingest.ErrCertificateNotValid, http.StatusUnprocessableEntity, "certificate_not_valid"},
	{ingest.ErrUnknownHall, http.StatusUnprocessableEntity, "unknown_hall"},
	{ingest.ErrUnknownFilm, http.StatusUnprocessableEntity, "unknown_film"},
	{ledger.ErrNotFound, http.StatusNotFound, "not_found"},
	{ledger.ErrOutOfScope, http.StatusForbidden, "forbidden"},
	{ledger.ErrBadRange, http.StatusBadRequest, "invalid_range"},
	{settlement.ErrPartyNotFound, http.StatusNotFound, "party_not_found"},
	{settlement.ErrCinemaNotFound, http.StatusNotFound, "cinema_not_found"},
	{settlement.ErrPeriodClosed, http.StatusConflict, "period_closed"},
	{settlement.ErrSnapshotChanged, http.StatusConflict, "period_close_conflict"},
	{settlement.ErrPeriodNotEnded, http.StatusUnprocessableEntity, "period_not_ended"},
	{settlement.ErrEarlierPeriodOpen, http.StatusUnprocessableEntity, "earlier_period_open"},
	{settlement.ErrNoRentalTerms, http.StatusUnprocessableEntity, "no_rental_terms"},
	{settlement.ErrNoVATRate, http.StatusUnprocessableEntity, "no_vat_rate"},
	{settlement.ErrTooManyRecords, http.StatusRequestEntityTooLarge, "too_many_records"},
	{ngo.ErrNotFound, http.StatusNotFound, "not_found"},
	{ngo.ErrUnknownRegion, http.StatusUnprocessableEntity, "unknown_reference"},
	{ngo.ErrReportLocked, http.StatusConflict, "report_locked"},
	{ngo.ErrInvalidTransition, http.StatusConflict, "invalid_transition"},
	{ingest.ErrTicketUnknown, http.StatusNotFound, "not_found"},
	{errNotInCheckpoint, http.StatusConflict, "not_in_checkpoint"},
	{ticketing.ErrNotFound, http.StatusNotFound, "not_found"},
	{ticketing.ErrSessionNotFound, http.StatusNotFound, "session_not_found"},
	{ticketing.ErrOtherVenue, http.StatusForbidden, "forbidden"},
	{ticketing.ErrNoSigningKey, http.StatusServiceUnavailable, "not_available"},
	{ticketing.ErrIdempotencyKeyRequired, http.StatusBadRequest, "idempotency_key_required"},
	{idempotency.ErrKeyInvalid, http.StatusBadRequest, "idempotency_key_required"},
	{idempotency.ErrKeyReused, http.StatusConflict, "idempotency_key_reused"},
	{ticketing.ErrBadQuery, http.StatusBadRequest, "invalid_query"},
	{ticketing.ErrTooManyTickets, http.StatusRequestEntityTooLarge, "too_many_tickets"},
	{ticketing.ErrUnknownReference, http.StatusUnprocessableEntity, "unknown_reference"},
	{ticketing.ErrUnknownTariff, http.StatusUnprocessableEntity, "unknown_tariff"},
	{ticketing.ErrPriceMismatch, http.StatusUnprocessableEntity, "price_mismatch"},
	{ticketing.ErrCapacityExceeded, http.StatusUnprocessableEntity, "capacity_exceeded"},
	{ticketing.ErrSessionEnded, http.StatusUnprocessableEntity, "session_ended"},
	{ticketing.ErrRefundAfterStart, http.StatusUnprocessableEntity, "refund_after_start"},
	{ticketing.ErrRefundedAtInFuture, http.StatusUnprocessableEntity, "refunded_at_in_future"},
	{ticketing.ErrRefundedBeforeSale, http.StatusUnprocessableEntity, "refunded_before_sale"},
	{ticketing.ErrDuplicateTicket, http.StatusConflict, "duplicate_ticket"},
	{ticketing.ErrSeatAlreadySold, http.StatusConflict, "seat_already_sold"},
	{ticketing.ErrSessionHasSales, http.StatusConflict, "session_has_sales"},
	{ticketing.ErrTicketNotSold, http.StatusConflict, "ticket_not_sold"},
	{ticketing.ErrTicketAlreadyRefunded, http.StatusConflict, "ticket_already_refunded"},
	{ticketing.ErrTicketNotInSession, http.StatusConflict, "ticket_not_in_session"},
	{ticketing.ErrIdempotencyKeyReused, http.StatusConflict, "idempotency_key_reused"},
	{ticketing.ErrEventVenueChanged, http.StatusConflict, "event_venue_changed"},
	{ticketing.ErrInvalidCode, http.StatusUnprocessableEntity, "invalid_code"},
	{ticketing.ErrWrongVenue, http.StatusUnprocessableEntity, "wrong_venue"},
	{ticketing.ErrNotYetValid, http.StatusUnprocessableEntity, "not_yet_valid"},
	{ticketing.ErrExpired, http.StatusUnprocessableEntity, "expired"},
	{ticketing.ErrInFuture, http.StatusUnprocessableEntity, "in_future"},
	{ticketing.ErrRevoked, http.StatusGone, "revoked"},
	{ticketing.ErrAlreadyAdmitted, http.StatusConflict, "already_admitted"},
	{museum.ErrNotFound, http.StatusNotFound, "not_found"},
	{museum.ErrUnknownMuseum, http.StatusNotFound, "museum_not_found"},
	{museum.ErrBadCursor, http.StatusBadRequest, "invalid_cursor"},
	{museum.ErrInventoryNumberTaken, http.StatusConflict, "inventory_number_taken"},
	{museum.ErrNotAccessioned, http.StatusConflict, "not_accessioned"},
	{museum.ErrAlreadyAccessioned, http.StatusConflict, "already_accessioned"},
	{museum.ErrAlreadyInCustody, http.StatusConflict, "already_in_custody"},
	{museum.ErrNotInCustody, http.StatusConflict, "not_in_custody"},
	{museum.ErrOnLoan, http.StatusConflict, "on_loan"},
	{museum.ErrNotOnLoan, http.StatusConflict, "not_on_loan"},
	{museum.ErrLocationMismatch, http.StatusConflict, "location_mismatch"},
	{museum.ErrEventOutOfOrder, http.StatusUnprocessableEntity, "event_out_of_order"},
	{museum.ErrEventInFuture, http.StatusUnprocessableEntity, "event_in_future"},
	{museum.ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{museum.ErrInvalidImage, http.StatusUnprocessableEntity, "invalid_image"},
	{museum.ErrImageTooLarge, http.StatusUnprocessableEntity, "image_too_large"},
	{museum.ErrUploadTooLarge, http.StatusRequestEntityTooLarge, "upload_too_large"},
	{museum.ErrSizeNotAvailable, http.StatusNotFound, "size_not_available"},
	{fund.ErrNotFound, http.StatusNotFound, "not_found"},
	{fund.ErrUnknownRegion, http.StatusUnprocessableEntity, "unknown_reference"},
	{fund.ErrCallClosed, http.StatusUnprocessableEntity, "call_closed"},
	{fund.ErrNotEligible, http.StatusUnprocessableEntity, "not_eligible"},
	{fund.ErrAlreadyDecided, http.StatusConflict, "already_decided"},
	{fund.ErrNotEnoughReviews, http.StatusUnprocessableEntity, "not_enough_reviews"},
	{fund.ErrOverRequest, http.StatusUnprocessableEntity, "amount_over_request"},
	{fund.ErrBudgetExceeded, http.StatusUnprocessableEntity, "budget_exceeded"},
	{fund.ErrOverAward, http.StatusUnprocessableEntity, "disbursement_exceeds_award"},
	{fund.ErrBeforeAward, http.StatusUnprocessableEntity, "date_before_award"},
	{fund.ErrDateInFuture, http.StatusUnprocessableEntity, "date_in_future"},
	{fund.ErrCallInReview, http.StatusConflict, "call_in_review"},
	{fund.ErrBudgetBelow, http.StatusUnprocessableEntity, "budget_below_awarded"},
	{apikey.ErrInvalidScope, http.StatusUnprocessableEntity, "invalid_scope"},
	{apikey.ErrNotFound, http.StatusNotFound, "not_found"},
	{boxoffice.ErrFilmNotFound, http.StatusNotFound, "film_not_found"},
	{library.ErrNotFound, http.StatusNotFound, "not_found"},
	{library.ErrUnknownReference, http.StatusUnprocessableEntity, "unknown_reference"},
	{library.ErrISBNTaken, http.StatusConflict, "isbn_taken"},
	{library.ErrNoCopies, http.StatusConflict, "no_copies"},
	{library.ErrAlreadyHeld, http.StatusConflict, "already_held"},
	{library.ErrLoanClosed, http.StatusConflict, "loan_returned"},
	{library.ErrNotLoanable, http.StatusUnprocessableEntity, "not_loanable"},
	{library.ErrNotOpen, http.StatusForbidden, "loan_required"},
	{library.ErrOtherReader, http.StatusForbidden, "forbidden"},
	{library.ErrBadLink, http.StatusForbidden, "invalid_link"},
	{library.ErrNoFile, http.StatusNotFound, "no_file"},
	{library.ErrBadMedia, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{library.ErrTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
	{library.ErrInvalidQuery, http.StatusBadRequest, "invalid_query"},
	{blobstore.ErrTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
	{hubs.ErrNotFound, http.StatusNotFound, "not_found"},
	{hubs.ErrUnknownRegion, http.StatusUnprocessableEntity, "unknown_reference"},
	{hubs.ErrUnknownInvestor, http.StatusUnprocessableEntity, "unknown_reference"},
	{hubs.ErrNotAMatch, http.StatusUnprocessableEntity, "not_a_match"},
	{hubs.ErrIntroductionOpen, http.StatusConflict, "introduction_exists"},
	{hubs.ErrIntroductionEnded, http.StatusConflict, "introduction_closed"},
}

// errorBody is the shape of every error answer (SPEC 4). A refused gate
// scan also carries its result beside the error (scanRefusal).
type errorBody struct {
	Error errorDetail `json:"error"`
	*scanRefusal
}

// scanRefusal is what a gate needs from a refused check-in: the result
// code, the ticket when the code could be read, and for already_admitted
// when and at which gate it was admitted.
type scanRefusal struct {
	Result     string     `json:"result"`
	TicketID   string     `json:"ticket_id,omitempty"`
	AdmittedAt *time.Time `json:"admitted_at,omitempty"`
	Gate       string     `json:"gate,omitempty"`
}

type errorDetail struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details []errorField `json:"details"`
}

// errorField is one detail of an error answer: a validate.FieldError on
// the wire.
type errorField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// handleError writes err in the error shape and logs server faults.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if unavailable(err) && !errors.Is(err, errDBTimeout) && !errors.Is(err, errBulkBusy) && !errors.Is(err, ledger.ErrWriterClosed) {
		s.log.WarnContext(c.Request().Context(), "database unavailable", slog.String("route", c.Path()), slog.Any("err", err))
		err = errDBUnavailable
	}
	status, body := s.classify(err)
	// One code for a bad query parameter: a read has no body, so its
	// invalid fields are query (or path) parameters.
	if body.Error.Code == "invalid_request" && (c.Request().Method == http.MethodGet || c.Request().Method == http.MethodHead) {
		body.Error.Code, body.Error.Message = "invalid_query", "the request has invalid query parameters"
	}
	if status == http.StatusServiceUnavailable {
		setRetryAfter(c)
	}
	if status == http.StatusUnauthorized {
		setBearerChallenge(c)
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.log.ErrorContext(c.Request().Context(), "request failed",
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("route", c.Path()), slog.Any("err", err))
	}
	if s.rejected != nil {
		s.rejected.WithLabelValues(body.Error.Code).Inc()
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	body.Error.Message = cleanMessage(body.Error.Message)
	for i := range body.Error.Details {
		body.Error.Details[i].Message = cleanMessage(body.Error.Details[i].Message)
	}
	l := requestLang(c)
	localize(&body, l)
	c.Response().Header().Set("Content-Language", string(l))
	c.JSON(status, body)
}

func (s *Server) classify(err error) (int, errorBody) {
	body := func(code, msg string, details []errorField) errorBody {
		if details == nil {
			details = []errorField{}
		}
		return errorBody{Error: errorDetail{Code: code, Message: msg, Details: details}}
	}
	for _, row := range errorTable {
		if !errors.Is(err, row.err) {
			continue
		}
		msg, details := err.Error(), []errorField(nil)
		var ve *validate.Errors
		if errors.As(err, &ve) {
			if ve.Message == "" {
				msg = "the request has invalid fields"
			}
			for _, f := range ve.Fields {
				if f.Code == "" {
					f.Code = row.code
				}
				details = append(details, errorField(f))
			}
		}
		b := body(row.code, msg, details)
		var r *ticketing.Refusal
		if errors.As(err, &r) {
			b.Error.Code = r.Result
			b.scanRefusal = &scanRefusal{Result: r.Result, TicketID: r.TicketID, AdmittedAt: r.AdmittedAt, Gate: r.Gate}
		}
		return row.status, b
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := fmt.Sprint(he.Message)
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, body("not_found", "no such route", nil)
		case http.StatusMethodNotAllowed:
			return he.Code, body("method_not_allowed", "method not allowed on this route", nil)
		case http.StatusRequestEntityTooLarge:
			return he.Code, body("body_too_large", "the request body is over 1 MiB", nil)
		case http.StatusUnauthorized:
			return he.Code, body("unauthenticated", msg, nil)
		case http.StatusTooManyRequests:
			return he.Code, body("rate_limited", msg, nil)
		}
		if he.Code < 500 {
			return he.Code, body(http.StatusText(he.Code), msg, nil)
		}
	}
	return http.StatusInternalServerError, body("internal", "internal error; the request id identifies it in the logs", nil)
}

// badQuery is a 400 invalid_query naming the query (or path) parameter at
// fault.
func badQuery(field, msg string) error {
	return &validate.Errors{Class: validate.ErrInvalidQuery, Message: field + " " + msg,
		Fields: []validate.FieldError{{Field: field, Code: "invalid", Message: msg}}}
}

// errMalformedJSON is a body that cannot be decoded.
var errMalformedJSON = errors.New("the body is not valid JSON of the expected shape")

// decodeJSON reads the body into v strictly: unknown fields, trailing data
// and wrong types are 400s with the offending field named.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// Only the end of the body may follow. (dec.More would let a stray
	// closing } or ] through.)
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body is over the limit: 413
		}
		return &validate.Errors{Class: errMalformedJSON, Message: "trailing data after the JSON body"}
	}
	return nil
}

func decodeError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return &validate.Errors{Message: "a field has the wrong type",
			Fields: []validate.FieldError{validate.WrongType(typeErr)}}
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); len(msg) > len(unknown) && msg[:len(unknown)] == unknown {
		field := msg[len(unknown):]
		if len(field) >= 2 {
			field = field[1 : len(field)-1]
		}
		return &validate.Errors{Message: "unknown field " + field,
			Fields: []validate.FieldError{{Field: field, Code: "unknown_field", Message: "is not a field of this request"}}}
	}
	return fmt.Errorf("%w: %v", errMalformedJSON, err)
}

// setBearerChallenge gives a 401 its WWW-Authenticate challenge (RFC 9110
// 11.6.1 requires one; RFC 6750 3 names the Bearer scheme and, when a key
// was sent but refused, error="invalid_token"). A route that challenged
// with its own scheme (the e-Library's Basic) keeps it.
func setBearerChallenge(c echo.Context) {
	h := c.Response().Header()
	if h.Get(echo.HeaderWWWAuthenticate) != "" {
		return
	}
	if c.Request().Header.Get(echo.HeaderAuthorization) != "" {
		h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="ecinema", error="invalid_token"`)
		return
	}
	h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="ecinema"`)
}
