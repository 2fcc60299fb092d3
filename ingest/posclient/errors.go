package posclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidRequest is matched by errors.Is for every error the client
// returns before anything was sent, because the request could not be encoded
// faithfully (see FieldError).
var ErrInvalidRequest = errors.New("posclient: invalid request")

// FieldError reports a request the client refused to send. Field names the
// JSON path of the offending value, for example "tickets[2].price".
// Nothing was sent to the server.
type FieldError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *FieldError) Error() string {
	return "posclient: invalid request: " + e.Field + ": " + e.Message
}

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidRequest }

// Detail is one entry of the server's error details, usually naming a field.
type Detail struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// APIError is the server's definite answer that a request failed: any
// non-2xx response, after retries where retrying was safe. Code, Message and
// Details come from the body {"error":{"code","message","details":[...]}};
// when the body is not that JSON (a proxy's HTML page, say) Code is empty and
// Message holds the status text and the start of the body.
type APIError struct {
	Status  int      // HTTP status code
	Code    string   // the server's snake_case error code, e.g. "duplicate_ticket"
	Message string   // human-readable message
	Details []Detail // per-field details, if any

	// RetryAfter is the server's Retry-After on a 429 or 503 that the client
	// did not wait for (longer than the MaxRetryAfter option or the context's
	// deadline, or retries exhausted); zero otherwise.
	RetryAfter time.Duration
	// RequestID is the X-Request-Id response header, for support tickets.
	RequestID string
	// IdempotencyKey is the key sent with a POST ("" for PUT). Send the same
	// request again with this key to learn its outcome without duplicating it.
	IdempotencyKey string
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "posclient: HTTP %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, d := range e.Details {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		if d.Field != "" {
			b.WriteString(d.Field + ": ")
		}
		b.WriteString(d.Code)
		if d.Message != "" {
			b.WriteString(" " + d.Message)
		}
		if i == len(e.Details)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// TransportError reports a request that got no HTTP answer (connection
// refused, reset, timeout, context cancelled) after every retry. Whether the
// server acted on it is unknown: for a POST, send it again with the same
// IdempotencyKey and the server answers with the first outcome.
type TransportError struct {
	Method         string
	Path           string
	Attempts       int    // requests sent, including the first
	IdempotencyKey string // "" for PUT
	Err            error
}

// Error implements error.
func (e *TransportError) Error() string {
	return fmt.Sprintf("posclient: %s %s: %d attempt(s): %v", e.Method, e.Path, e.Attempts, e.Err)
}

// Unwrap returns the underlying error, so errors.Is(err, context.Canceled) works.
func (e *TransportError) Unwrap() error { return e.Err }

// Code returns the server's error code carried by err, or "" when err is not
// (or does not wrap) an *APIError.
func Code(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func hasStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// IsConflict reports whether err is a 409: a duplicate ticket or seat, an
// overlapping screening, a screening with sales, an already refunded ticket,
// or an idempotency key reused with another body. Retrying will not help.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsNotFound reports whether err is a 404 (for example an unknown screening).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsInvalid reports whether err is a 400 from the server or a request the
// client refused to send (ErrInvalidRequest): the request must be fixed.
func IsInvalid(err error) bool {
	return errors.Is(err, ErrInvalidRequest) || hasStatus(err, http.StatusBadRequest)
}

// IsRuleViolation reports whether err is a 422: the request was well formed
// but broke a business rule (sold after the screening's end, more tickets
// than seats, an expired film certificate, ...).
func IsRuleViolation(err error) bool { return hasStatus(err, http.StatusUnprocessableEntity) }

// IsTemporary reports whether the same request (with the same idempotency
// key) may succeed later: rate limiting, server unavailability or a transport
// failure that outlasted the client's retries.
func IsTemporary(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusRequestTimeout ||
			(ae.Status >= 500 && ae.Status != http.StatusNotImplemented)
	}
	var te *TransportError
	return errors.As(err, &te)
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// newAPIError builds an APIError from a non-2xx response body.
func newAPIError(status int, header http.Header, body []byte) *APIError {
	ae := &APIError{Status: status, RequestID: header.Get("X-Request-Id")}
	var env struct {
		Error *struct {
			Code    string   `json:"code"`
			Message string   `json:"message"`
			Details []Detail `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil && env.Error.Code != "" {
		ae.Code, ae.Message, ae.Details = env.Error.Code, env.Error.Message, env.Error.Details
		return ae
	}
	ae.Message = http.StatusText(status)
	if snippet := bodySnippet(body); snippet != "" {
		if ae.Message == "" {
			ae.Message = snippet
		} else {
			ae.Message += ": " + snippet
		}
	}
	return ae
}

// bodySnippet returns the start of a non-JSON body as one line of valid UTF-8.
func bodySnippet(body []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
