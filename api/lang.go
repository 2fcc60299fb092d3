package api

import (
	"github.com/labstack/echo/v4"

	"ecinema/culture/langmap"
	"ecinema/i18n"
	"ecinema/tabular"
	"ecinema/validate"
)

// requestLang is the language of a request's readable texts: ?lang=kk|ru|en,
// else Accept-Language, else English.
func requestLang(c echo.Context) i18n.Lang {
	return i18n.Negotiate(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
}

// cultureLang is the display language of the culture modules' texts
// (langmap.Negotiate: ?lang= wins over Accept-Language, else kk).
func cultureLang(c echo.Context) string {
	return langmap.Negotiate(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
}

// csvOptions reads delimiter=comma|semicolon (semicolon for the Excel of
// Kazakh and Russian locales, whose list separator it is).
func csvOptions(c echo.Context, ve *validate.Errors) tabular.CSVOptions {
	d, ok := tabular.ParseDelimiter(c.QueryParam("delimiter"))
	if !ok {
		ve.Add("delimiter", "invalid", "must be comma or semicolon")
	}
	return tabular.CSVOptions{Delimiter: d}
}
