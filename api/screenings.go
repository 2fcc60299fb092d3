package api

import (
	"io"

	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// posCaller is the pos key a write acts as; a key without a cinema may not write.
func posCaller(c echo.Context) (ingest.Caller, error) {
	p := principal(c)
	if p.CinemaID == "" {
		return ingest.Caller{}, errForbidden
	}
	return ingest.Caller{KeyID: p.KeyID, CinemaID: p.CinemaID}, nil
}

// readBody reads the raw body (idempotency hashes the exact bytes); the
// BodyLimit middleware turns an oversized body into 413.
func readBody(c echo.Context) ([]byte, error) {
	return io.ReadAll(c.Request().Body)
}

// handleScreeningPut serves PUT /v1/screenings/{id}: 201 created, 200 replaced.
func handleScreeningPut(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		caller, err := posCaller(c)
		if err != nil {
			return err
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		resp, err := svc.PutScreening(c.Request().Context(), caller, c.Param("id"), body)
		if err != nil {
			return err
		}
		return c.Blob(resp.Status, echo.MIMEApplicationJSON, resp.Body)
	}
}
