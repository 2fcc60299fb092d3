package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/ingest"
)

// handleScreeningPut serves PUT /v1/screenings/{id}: 201 created, 200 replaced.
func handleScreeningPut(svc *ingest.Service) echo.HandlerFunc {
	return posWrite(svc, svc.PutScreening, pathID)
}
