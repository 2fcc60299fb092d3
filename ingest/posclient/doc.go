// Package posclient is the Go client that cinema point-of-sale systems use to
// report screenings, ticket sales and refunds to ecinema, Kazakhstan's
// e-cinema revenue and copyright ledger (API v1, role pos).
//
// A Client wraps three writes, each of which becomes one ledger entry on the
// server, all of it or nothing, and two reads of what the ledger holds for
// the key's cinema:
//
//	PutScreening      PUT  /v1/screenings/{id}
//	PostSales         POST /v1/sales
//	PostRefunds       POST /v1/refunds
//	Screenings        GET  /v1/screenings?date=
//	ScreeningTickets  GET  /v1/screenings/{id}/tickets
//
// Every request field is required except a ticket's Seat (an unseated
// sale); the client refuses a request missing one before sending it
// (ErrInvalidRequest), as the server would answer 400. A 409 conflict's
// Details name the ticket or seat at fault ("tickets[1].seat").
//
// # Sandbox
//
// `make run` in the repository is the sandbox: it prints a pos key for the
// demo's first cinema; GET /v1/cinemas/{id} lists its halls and GET
// /v1/films the films (see the README's "For POS vendors").
//
// # Exactly once over a flaky network
//
// Requests are sent with github.com/hashicorp/go-retryablehttp. Network
// errors, 408, 429 and 5xx (except 501) are retried with jittered exponential
// backoff capped at a maximum wait; a Retry-After on 429 or 503 is waited for
// instead, up to MaxRetryAfter. Other 4xx answers are final and never
// retried. Cancelling the context stops the call at once, also during a wait.
//
// A retry is only safe because a POST carries an Idempotency-Key that is
// fixed for the logical call: generated once (128 random bits) or taken from
// the request's IdempotencyKey field, and sent unchanged on every attempt.
// The server records the first attempt that gets through and answers every
// later attempt with that first answer, so a response lost on the way back
// never turns into a second sale. A POS that keeps unsent batches on disk
// (to report them after being offline) should store a key with each batch and
// set it on the request, so that the guarantee also holds across restarts.
// PUT creates or replaces, so repeating it is harmless by nature.
//
// # Money and time
//
// Prices are shopspring/decimal values and travel as strings with exactly
// two fraction digits ("2500.00"); no float is involved anywhere. A price
// with more fraction digits than tiyn allow is refused before anything is
// sent (ErrInvalidRequest), never rounded. Times travel as RFC 3339; the
// server derives local dates (UTC+5) itself.
//
// # Errors
//
// A final non-2xx answer is an *APIError holding the HTTP status and the
// server's error code, message and per-field details, so callers can branch
// with errors.As or the helpers IsConflict, IsNotFound, IsInvalid,
// IsRuleViolation, IsTemporary and Code. A request that never got an answer
// is a *TransportError, which wraps the cause (errors.Is(err,
// context.Canceled) works) and carries the idempotency key to retry with
// later. A request the client refused to encode is a *FieldError matching
// ErrInvalidRequest.
package posclient
