// Package tabular writes the service's tables (statements, reconciliation,
// VAT summaries, rankings) as CSV and XLSX the way spreadsheet users expect.
//
// CSV: UTF-8 with a byte-order mark, so that Excel in Kazakh and Russian
// locales shows Cyrillic and Kazakh letters; the delimiter is a comma, or a
// semicolon on request (the list separator of those locales' Excel); the
// header row holds the stable machine keys (a program's import does not
// change with the reader's language); numbers are written as in JSON (a
// point for decimals); text columns (ids, BINs, names) are always quoted, so
// an import that honours quotes keeps "070340086000" as text; a text cell
// that a spreadsheet would take for a formula (= + - @, tab, carriage
// return first) gets a leading apostrophe. Only data rows: totals are a
// table of their own (another file or sheet), never a row among the data.
//
// XLSX: a first sheet naming the document (title, party, period, and what
// else the caller says) with its totals, then the data sheet: headers in the
// reader's language, a frozen header row and filters, money and counts as
// numbers (two decimals, grouped), dates as real dates, ids and BINs as text.
package tabular

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"ecinema/i18n"
	"ecinema/internal/csvsafe"
)

// Kind is what a column holds; it decides the cell type in XLSX and the
// quoting in CSV.
type Kind int

// The column kinds. Values are given in their JSON text form: Money and Pct
// as decimals ("1234.50"), Int as digits, Date as YYYY-MM-DD, Month as
// YYYY-MM, Bool as true/false; "" is an empty cell.
const (
	Text Kind = iota
	Money
	Int
	Pct
	Date
	Month
	Bool
)

// Column is one column of a table.
type Column struct {
	Key   string // machine key: the CSV header and the JSON field name
	Label i18n.Text
	Kind  Kind
}

// Table is a titled table of rows with optional named facts and totals.
type Table struct {
	Title   string      // in the reader's language
	Facts   [][2]string // label, value (text), shown above the totals: party, BIN, period…
	Columns []Column
	Rows    [][]string
	// Totals are label/column pairs shown on the first sheet (XLSX) or in the
	// totals CSV; each value has the kind of its column.
	Totals []Total
	Lang   i18n.Lang
}

// Total is one named total.
type Total struct {
	Key   string
	Label i18n.Text
	Kind  Kind
	Value string
}

// CSVOptions chooses the CSV dialect.
type CSVOptions struct {
	Delimiter rune // ',' (default) or ';'
}

// ParseDelimiter reads the delimiter query parameter: "" or "comma" → ',',
// "semicolon" → ';'.
func ParseDelimiter(s string) (rune, bool) {
	switch s {
	case "", "comma":
		return ',', true
	case "semicolon":
		return ';', true
	}
	return 0, false
}

const bom = "\ufeff"

// WriteCSV writes the data rows of t with a header of machine keys.
func (t *Table) WriteCSV(w io.Writer, o CSVOptions) error {
	cols := make([]Kind, len(t.Columns))
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i], head[i] = c.Kind, c.Key
	}
	return writeCSV(w, o, head, cols, t.Rows)
}

// WriteTotalsCSV writes the facts and totals as a two-row CSV: keys, then
// values (the facts under the keys given in factKeys, in order).
func (t *Table) WriteTotalsCSV(w io.Writer, o CSVOptions, factKeys []string) error {
	var head, row []string
	var kinds []Kind
	for i, f := range t.Facts {
		if i < len(factKeys) {
			head, row, kinds = append(head, factKeys[i]), append(row, f[1]), append(kinds, Text)
		}
	}
	for _, tt := range t.Totals {
		head, row, kinds = append(head, tt.Key), append(row, tt.Value), append(kinds, tt.Kind)
	}
	return writeCSV(w, o, head, kinds, [][]string{row})
}

func writeCSV(w io.Writer, o CSVOptions, head []string, kinds []Kind, rows [][]string) error {
	d := o.Delimiter
	if d == 0 {
		d = ','
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(bom)
	line := func(cells []string, header bool) {
		for i, v := range cells {
			if i > 0 {
				bw.WriteRune(d)
			}
			k := Text
			if !header && i < len(kinds) {
				k = kinds[i]
			}
			bw.WriteString(csvField(v, k, d, header))
		}
		bw.WriteString("\r\n")
	}
	line(head, true)
	for _, r := range rows {
		line(r, false)
	}
	return bw.Flush()
}

// csvField quotes text always and other values when they need it.
func csvField(v string, k Kind, d rune, header bool) string {
	if k == Text && !header {
		v = defuse(v)
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	if strings.ContainsRune(v, d) || strings.ContainsAny(v, "\"\r\n") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

// defuse returns a text cell that spreadsheets will not run as a formula
// (internal/csvsafe: a leading apostrophe before = + - @, tab or carriage
// return; numbers unchanged).
func defuse(v string) string { return csvsafe.Cell(v) }

// WriteXLSX writes t as a workbook: the sheet summary (title, facts,
// totals), then the sheet data (the table with a frozen header and filters).
func (t *Table) WriteXLSX(w io.Writer, summary, data string) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", summary); err != nil {
		return err
	}
	if _, err := x.NewSheet(data); err != nil {
		return err
	}
	st, err := newStyles(x)
	if err != nil {
		return err
	}
	x.SetDocProps(&excelize.DocProperties{Title: t.Title, Creator: "ecinema", Language: string(t.Lang)})

	// Summary sheet.
	x.SetCellStr(summary, "A1", t.Title)
	x.SetCellStyle(summary, "A1", "A1", st.title)
	r := 3
	for _, f := range t.Facts {
		x.SetCellStr(summary, cell(0, r), f[0])
		x.SetCellStyle(summary, cell(0, r), cell(0, r), st.bold)
		x.SetCellStr(summary, cell(1, r), f[1])
		r++
	}
	if len(t.Totals) > 0 {
		r++
		x.SetCellStr(summary, cell(0, r), totalLabel.In(t.Lang))
		x.SetCellStyle(summary, cell(0, r), cell(1, r), st.head)
		r++
		for _, tt := range t.Totals {
			x.SetCellStr(summary, cell(0, r), tt.Label.In(t.Lang))
			if err := st.put(x, summary, cell(1, r), tt.Kind, tt.Value, true); err != nil {
				return fmt.Errorf("tabular: total %s: %w", tt.Key, err)
			}
			r++
		}
	}
	x.SetColWidth(summary, "A", "A", 34)
	x.SetColWidth(summary, "B", "B", 44)

	// Data sheet.
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		label := c.Label.In(t.Lang)
		if label == "" {
			label = c.Key
		}
		x.SetCellStr(data, cell(i, 1), label)
		widths[i] = utf8.RuneCountInString(label)
	}
	if len(t.Columns) > 0 {
		x.SetCellStyle(data, cell(0, 1), cell(len(t.Columns)-1, 1), st.head)
	}
	for k, row := range t.Rows {
		for i, v := range row {
			if i >= len(t.Columns) {
				break
			}
			if err := st.put(x, data, cell(i, k+2), t.Columns[i].Kind, v, false); err != nil {
				return fmt.Errorf("tabular: row %d %s: %w", k+1, t.Columns[i].Key, err)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(v)+2)
		}
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		x.SetColWidth(data, col, col, float64(min(max(wd, 8), 50))+1)
	}
	if len(t.Columns) > 0 {
		x.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		last := max(len(t.Rows)+1, 2)
		if err := x.AutoFilter(data, cell(0, 1)+":"+cell(len(t.Columns)-1, last), nil); err != nil {
			return err
		}
	}
	return x.Write(w)
}

var totalLabel = i18n.Text{KK: "Барлығы", RU: "Итого", EN: "Totals"}

type styles struct {
	title, bold, head, money, moneyBold, int, intBold, pct, date, month int
}

func newStyles(x *excelize.File) (*styles, error) {
	var s styles
	mk := func(dst *int, st *excelize.Style) error {
		id, err := x.NewStyle(st)
		*dst = id
		return err
	}
	moneyFmt, intFmt, pctFmt, dateFmt, monthFmt := "#,##0.00", "#,##0", "0.00", "yyyy-mm-dd", "yyyy-mm"
	bold := &excelize.Font{Bold: true}
	for _, e := range []struct {
		dst *int
		st  *excelize.Style
	}{
		{&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&s.bold, &excelize.Style{Font: bold}},
		{&s.head, &excelize.Style{Font: bold, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&s.money, &excelize.Style{CustomNumFmt: &moneyFmt}},
		{&s.moneyBold, &excelize.Style{CustomNumFmt: &moneyFmt, Font: bold}},
		{&s.int, &excelize.Style{CustomNumFmt: &intFmt}},
		{&s.intBold, &excelize.Style{CustomNumFmt: &intFmt, Font: bold}},
		{&s.pct, &excelize.Style{CustomNumFmt: &pctFmt}},
		{&s.date, &excelize.Style{CustomNumFmt: &dateFmt}},
		{&s.month, &excelize.Style{CustomNumFmt: &monthFmt}},
	} {
		if err := mk(e.dst, e.st); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// put writes one value as its kind's cell.
func (s *styles) put(x *excelize.File, sheet, ref string, k Kind, v string, bold bool) error {
	if v == "" {
		return nil
	}
	switch k {
	case Money, Pct:
		d, err := decimal.NewFromString(v)
		if err != nil {
			return err
		}
		// The decimal has at most a few places, so the float's shortest
		// form is the decimal itself: no binary rounding reaches the file.
		f, _ := d.Float64()
		if err := x.SetCellFloat(sheet, ref, f, -1, 64); err != nil {
			return err
		}
		style := s.money
		if bold {
			style = s.moneyBold
		}
		if k == Pct {
			style = s.pct
		}
		return x.SetCellStyle(sheet, ref, ref, style)
	case Int:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		if err := x.SetCellInt(sheet, ref, n); err != nil {
			return err
		}
		style := s.int
		if bold {
			style = s.intBold
		}
		return x.SetCellStyle(sheet, ref, ref, style)
	case Date, Month:
		layout, style := time.DateOnly, s.date
		if k == Month {
			layout, style = "2006-01", s.month
		}
		t, err := time.Parse(layout, v)
		if err != nil {
			return err
		}
		if err := x.SetCellValue(sheet, ref, t); err != nil {
			return err
		}
		return x.SetCellStyle(sheet, ref, ref, style)
	case Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		return x.SetCellBool(sheet, ref, b)
	}
	return x.SetCellStr(sheet, ref, v)
}

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col+1, row)
	return name
}
