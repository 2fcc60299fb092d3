package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/tabular"
	"ecinema/validate"
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

const contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// tableFile answers with t as format csv or xlsx, named base.csv,
// base_totals.csv (part=totals) or base.xlsx. The XLSX's sheets are named
// summary and data.
func tableFile(c echo.Context, t *tabular.Table, base, format, summary, data string) error {
	var ve validate.Errors
	opt := csvOptions(c, &ve)
	part := c.QueryParam("part")
	if part != "" && part != "lines" && (part != "totals" || format != "csv") {
		ve.Add("part", "invalid", "must be lines, or totals with format=csv")
	}
	if err := ve.Err(); err != nil {
		return err
	}
	switch {
	case format == "xlsx":
		return attachment(c, contentTypeXLSX, base+".xlsx", func(w io.Writer) error { return t.WriteXLSX(w, summary, data) })
	case part == "totals":
		return attachment(c, contentTypeCSV, base+"_totals.csv", func(w io.Writer) error { return t.WriteTotalsCSV(w, opt, nil) })
	}
	return attachment(c, contentTypeCSV, base+".csv", func(w io.Writer) error { return t.WriteCSV(w, opt) })
}
