package api

import (
	"encoding/json"

	"github.com/labstack/echo/v4"

	"ecinema/ingest"
	"ecinema/validate"
)

// The POS writes: api decodes and validates the body once (ingest.Parse*),
// hashes the exact bytes for idempotency, calls the typed service and
// writes its typed result. A replay under the same Idempotency-Key gets the
// stored result, which marshals to the same bytes.

// handleSalesCreate serves POST /v1/sales: one request is one sale entry,
// idempotent under its Idempotency-Key.
func handleSalesCreate(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, id, body, err := posIdempotent(c, svc, "POST /v1/sales")
		if err != nil {
			return err
		}
		sale, err := ingest.ParseSales(body)
		if err != nil {
			return err
		}
		res, err := svc.Sell(c.Request().Context(), caller, id, sale)
		if err != nil {
			return err
		}
		return writeResult(c, 201, res)
	}
}

// handleRefundsCreate serves POST /v1/refunds (idempotent like sales).
func handleRefundsCreate(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, id, body, err := posIdempotent(c, svc, "POST /v1/refunds")
		if err != nil {
			return err
		}
		ref, err := ingest.ParseRefunds(body)
		if err != nil {
			return err
		}
		res, err := svc.Refund(c.Request().Context(), caller, id, ref)
		if err != nil {
			return err
		}
		return writeResult(c, 201, res)
	}
}

// handleScreeningPut serves PUT /v1/screenings/{id}: 201 created, 200 replaced.
func handleScreeningPut(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := posCaller(c, svc)
		if err != nil {
			return err
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		in, err := ingest.ParseScreening(c.Param("id"), body)
		if err != nil {
			return err
		}
		res, err := svc.PutScreening(c.Request().Context(), caller, in)
		if err != nil {
			return err
		}
		status := 200
		if res.Created {
			status = 201
		}
		return writeResult(c, status, res)
	}
}

// posCaller is the key's cinema as the caller; a key without one may not
// write.
func posCaller(c echo.Context, svc *ingest.Service) (ingest.Caller, error) {
	p := principal(c)
	if p.CinemaID == "" {
		return ingest.Caller{}, errForbidden
	}
	return ingest.Caller{KeyID: p.KeyID, CinemaID: p.CinemaID}, nil
}

// posIdempotent reads the caller, the Idempotency-Key and the exact body
// (the BodyLimit middleware has already turned an oversized body into 413)
// and hashes the body with the endpoint.
func posIdempotent(c echo.Context, svc *ingest.Service, endpoint string) (ingest.Caller, ingest.Idem, []byte, error) {
	caller, err := posCaller(c, svc)
	if err != nil {
		return caller, ingest.Idem{}, nil, err
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if !ingest.ValidIdempotencyKey(key) {
		return caller, ingest.Idem{}, nil, validate.Refuse(ingest.ErrIdempotencyKeyRequired, "",
			"the Idempotency-Key header is required: 1 to 255 printable ASCII characters without spaces")
	}
	body, err := readBody(c)
	if err != nil {
		return caller, ingest.Idem{}, nil, err
	}
	return caller, ingest.Idem{Key: key, Hash: ingest.RequestHash(endpoint, body)}, body, nil
}

// writeResult writes a typed result as compact JSON (the bytes a replay
// reproduces).
func writeResult(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, echo.MIMEApplicationJSON, b)
}
