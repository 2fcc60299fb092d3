package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/culture/idempotency"
)

// cultureIdem is the idempotency key of a culture create request: the
// caller's optional Idempotency-Key header, for this method and path (the
// path's ids included) and the decoded request (culture/idempotency).
func cultureIdem(c echo.Context, request any) (idempotency.Key, error) {
	r := c.Request()
	return idempotency.New(principal(c).KeyID, r.Header.Get(idempotency.Header), r.Method+" "+r.URL.Path, request)
}

// culturePending is the idempotency key of a culture create request whose
// request is known only once its streamed body is read (an archive
// deposit): the header is checked now, the request named later.
func culturePending(c echo.Context) (idempotency.Pending, error) {
	r := c.Request()
	return idempotency.NewPending(principal(c).KeyID, r.Header.Get(idempotency.Header), r.Method+" "+r.URL.Path)
}
