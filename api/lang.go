package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/i18n"
)

// requestLang is the language of a request's readable texts: ?lang=kk|ru|en,
// else Accept-Language, else English.
func requestLang(c echo.Context) i18n.Lang {
	return i18n.Negotiate(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
}
