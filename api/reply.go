package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/registry"
)

// Most handlers have one shape: read the path, the query and perhaps a JSON
// body, call the service, hand its error to the error table (errors.go) and
// write its value as JSON. The helpers below are that shape, once; a handler
// gives only what differs, its call:
//
//	func handleHubGet(svc *hubs.Service) echo.HandlerFunc {
//		return reply(http.StatusOK, func(c echo.Context) (hubs.Hub, error) {
//			return svc.Hub(c.Request().Context(), c.Param("id"))
//		})
//	}

// reply answers what act returns as JSON with status, or act's error.
func reply[T any](status int, act func(c echo.Context) (T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		out, err := act(c)
		if err != nil {
			return err
		}
		return c.JSON(status, out)
	}
}

// replyBody decodes the JSON body strictly (decodeJSON) into an In and
// answers what act returns for it with status.
func replyBody[In, T any](status int, act func(c echo.Context, in In) (T, error)) echo.HandlerFunc {
	return reply(status, withBody(act))
}

// withBody turns act into an act without a body: it decodes the JSON body
// strictly (decodeJSON) into an In first.
func withBody[In, T any](act func(c echo.Context, in In) (T, error)) func(c echo.Context) (T, error) {
	return func(c echo.Context) (T, error) {
		var in In
		if err := decodeJSON(c, &in); err != nil {
			var zero T
			return zero, err
		}
		return act(c, in)
	}
}

// replyPage reads the page parameters (limit, cursor) and answers the page
// that list returns as a listResponse.
func replyPage[T any](list func(c echo.Context, p registry.Page) ([]T, string, error)) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[T], error) {
		p, err := pageParams(c)
		if err != nil {
			return listResponse[T]{}, err
		}
		return pageOf(list(c, p))
	})
}

// created gives a 201's answer the Location of the record it created
// (RFC 9110 15.3.2), at path(v), when err is nil; a replay under an
// Idempotency-Key names the same record.
func created[T any](c echo.Context, path func(T) string) func(v T, err error) (T, error) {
	return func(v T, err error) (T, error) {
		if err == nil {
			c.Response().Header().Set(echo.HeaderLocation, path(v))
		}
		return v, err
	}
}

// pageOf is a page of items as a listResponse, an empty page as [] (never
// null), so that a call's three results pass straight in.
func pageOf[T any](items []T, next string, err error) (listResponse[T], error) {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items, NextCursor: next}, err
}

// listOf is a whole, unpaged list as a listResponse.
func listOf[T any](items []T, err error) (listResponse[T], error) {
	return pageOf(items, "", err)
}
