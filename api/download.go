package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

const contentTypeCSV = "text/csv; charset=utf-8"

// attachment answers with a file named filename. The file is rendered into
// memory first, so that a failure becomes an error answer rather than a
// truncated download.
func attachment(c echo.Context, contentType, filename string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}
