package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// handleSalesCreate serves POST /v1/sales. The answer is sent byte for byte
// as the service returns it, so a replay under the same Idempotency-Key is
// identical to the first answer.
func handleSalesCreate(svc *ingest.Service) echo.HandlerFunc {
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
		resp, err := svc.PostSales(c.Request().Context(), caller, c.Request().Header.Get("Idempotency-Key"), body)
		if err != nil {
			return err
		}
		return c.Blob(resp.Status, echo.MIMEApplicationJSON, resp.Body)
	}
}
