package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// handleSalesCreate serves POST /v1/sales: one request is one sale entry,
// idempotent under its Idempotency-Key.
func handleSalesCreate(svc *ingest.Service) echo.HandlerFunc {
	return posWrite(svc, svc.PostSales, idempotencyKey)
}
