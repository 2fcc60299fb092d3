package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// handleRefundsCreate serves POST /v1/refunds (idempotent like sales).
func handleRefundsCreate(svc *ingest.Service) echo.HandlerFunc {
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
		resp, err := svc.PostRefunds(c.Request().Context(), caller, c.Request().Header.Get("Idempotency-Key"), body)
		if err != nil {
			return err
		}
		return c.Blob(resp.Status, echo.MIMEApplicationJSON, resp.Body)
	}
}
