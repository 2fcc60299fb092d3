package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleOAI serves the OAI-PMH provider. The protocol answers its own
// errors in XML with status 200, so the handler only hands the request on.
func handleOAI(h http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
