package api

import (
	"context"
	"io"

	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// posWrite is the request plumbing the POS writes share. The key's cinema
// is the caller (a key without one may not write). The raw body goes to the
// service because idempotency hashes the exact bytes; the BodyLimit
// middleware has already turned an oversized body into 413. The service's
// answer is sent byte for byte, so a replay under the same Idempotency-Key
// is identical to the first answer. arg reads the string the service takes
// after the caller: the Idempotency-Key header or the path id.
func posWrite(svc *ingest.Service,
	write func(ctx context.Context, caller ingest.Caller, arg string, body []byte) (*ingest.Response, error),
	arg func(echo.Context) string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p := principal(c)
		if p.CinemaID == "" {
			return errForbidden
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		caller := ingest.Caller{KeyID: p.KeyID, CinemaID: p.CinemaID}
		resp, err := write(c.Request().Context(), caller, arg(c), body)
		if err != nil {
			return err
		}
		return c.Blob(resp.Status, echo.MIMEApplicationJSON, resp.Body)
	}
}

// idempotencyKey is the Idempotency-Key header of a sale or refund.
func idempotencyKey(c echo.Context) string { return c.Request().Header.Get("Idempotency-Key") }

// pathID is the {id} of the path.
func pathID(c echo.Context) string { return c.Param("id") }
