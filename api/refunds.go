package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// handleRefundsCreate serves POST /v1/refunds (idempotent like sales).
func handleRefundsCreate(svc *ingest.Service) echo.HandlerFunc {
	return posWrite(svc, svc.PostRefunds, idempotencyKey)
}
