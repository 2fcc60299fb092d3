package settlement

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Content types of the statement exports.
const (
	ContentTypeJSON = "application/json"
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ContentTypePDF  = "application/pdf"
)

// DejaVu Sans covers Latin, Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і);
// its license (fonts/LICENSE) permits embedding and redistribution.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// Filename returns the download file name of a statement export, e.g.
// statement_prod-a_2026-01-01_2026-01-31.pdf.
func (st *Statement) Filename(ext string) string {
	kind := "statement"
	if st.IsRoyalty() {
		kind = "royalty_statement"
	}
	return fmt.Sprintf("%s_%s_%s_%s.%s", kind, st.Party.ID, day(st.From), day(st.To), ext)
}

// columns of the tabular exports: header and the cell values of a row.
type column struct {
	name  string
	money bool
}

var fullColumns = []column{
	{"period", false}, {"adjustment", false}, {"film_id", false}, {"film_title", false}, {"cinema_id", false},
	{"cinema_name", false}, {"week", false}, {"first_day", false}, {"last_day", false}, {"admissions", false},
	{"gross", true}, {"vat", true}, {"net", true}, {"royalty", true}, {"rentable", true}, {"rental", true}, {"exhibitor_share", true},
	{"distribution_fee", true}, {"producer_gross", true}, {"recoupment", true}, {"producer_share", true},
}

var royaltyColumns = []column{
	{"period", false}, {"adjustment", false}, {"film_id", false}, {"film_title", false}, {"cinema_id", false},
	{"cinema_name", false}, {"week", false}, {"first_day", false}, {"last_day", false},
	{"royalty_pool", true}, {"role", false}, {"share_pct", false}, {"amount", true},
}

func (st *Statement) table() ([]column, [][]string, []string) {
	var rows [][]string
	if st.IsRoyalty() {
		for _, r := range st.RoyaltyLines {
			rows = append(rows, []string{month(r.Period), strconv.FormatBool(r.Adjustment), r.FilmID, r.FilmTitle,
				r.CinemaID, r.CinemaName, strconv.Itoa(r.Week), day(r.FirstDay), day(r.LastDay),
				money(r.RoyaltyPool), r.Role, r.SharePct.String(), money(r.Amount)})
		}
		total := make([]string, len(royaltyColumns))
		total[0] = "total"
		total[len(total)-1] = money(st.Totals.RoyaltyAmount)
		return royaltyColumns, rows, total
	}
	for _, l := range st.Lines {
		rows = append(rows, []string{month(l.Period), strconv.FormatBool(l.Adjustment), l.FilmID, l.FilmTitle,
			l.CinemaID, l.CinemaName, strconv.Itoa(l.Week), day(l.FirstDay), day(l.LastDay),
			strconv.FormatInt(l.Admissions, 10), money(l.Gross), money(l.VAT), money(l.Net), money(l.Royalty),
			money(l.Rentable()), money(l.Rental()),
			money(l.ExhibitorShare), money(l.DistributionFee), money(l.ProducerGross), money(l.Recoupment),
			money(l.ProducerShare)})
	}
	t := st.Totals
	total := []string{"total", "", "", "", "", "", "", "", "", strconv.FormatInt(t.Admissions, 10),
		money(t.Gross), money(t.VAT), money(t.Net), money(t.Royalty),
		money(t.Rentable()), money(t.Rental()), money(t.ExhibitorShare),
		money(t.DistributionFee), money(t.ProducerGross), money(t.Recoupment), money(t.ProducerShare)}
	if !st.ShowsRecoupment() { // the last two columns: recoupment, producer_share
		n := len(fullColumns) - 2
		for i := range rows {
			rows[i] = rows[i][:n]
		}
		return fullColumns[:n], rows, total[:n]
	}
	return fullColumns, rows, total
}

// WriteCSV writes the statement as CSV: a header row, one row per line and
// a last row whose first field is "total".
func (st *Statement) WriteCSV(w io.Writer) error {
	cols, rows, total := st.table()
	cw := csv.NewWriter(w)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.name
	}
	cw.Write(head)
	for _, r := range rows {
		cw.Write(r)
	}
	cw.Write(total)
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the statement as an XLSX workbook with one sheet
// "Statement": the party and period on top, then the table (money as
// numbers with two decimals) and the totals row.
func (st *Statement) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Statement"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	moneyFmt := "#,##0.00"
	moneyStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: &moneyFmt})
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	boldMoney, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &moneyFmt})
	if err != nil {
		return err
	}
	meta := [][2]string{
		{"party", st.Party.Name}, {"party_id", st.Party.ID}, {"kind", st.Party.Kind}, {"bin", st.Party.BIN},
		{"from", day(st.From)}, {"to", day(st.To)},
	}
	for i, m := range meta {
		x.SetCellStr(sheet, cell(0, i+1), m[0])
		x.SetCellStr(sheet, cell(1, i+1), m[1])
	}
	cols, rows, total := st.table()
	r0 := len(meta) + 2
	for i, c := range cols {
		x.SetCellStr(sheet, cell(i, r0), c.name)
	}
	x.SetCellStyle(sheet, cell(0, r0), cell(len(cols)-1, r0), bold)
	put := func(row int, vals []string, moneyStyle int) error {
		for i, v := range vals {
			ref := cell(i, row)
			if v == "" {
				continue
			}
			if cols[i].money || cols[i].name == "admissions" || cols[i].name == "week" {
				dv, err := decimal.NewFromString(v)
				if err != nil {
					return err
				}
				places := 2
				if !cols[i].money {
					places = 0
				}
				// The decimal text is written as is (two places), so no
				// binary rounding reaches the file.
				f, _ := dv.Float64()
				if err := x.SetCellFloat(sheet, ref, f, places, 64); err != nil {
					return err
				}
				if cols[i].money {
					x.SetCellStyle(sheet, ref, ref, moneyStyle)
				}
				continue
			}
			x.SetCellStr(sheet, ref, v)
		}
		return nil
	}
	for k, r := range rows {
		if err := put(r0+1+k, r, moneyStyle); err != nil {
			return err
		}
	}
	tr := r0 + 1 + len(rows)
	if err := put(tr, total, boldMoney); err != nil {
		return err
	}
	x.SetCellStyle(sheet, cell(0, tr), cell(0, tr), bold)
	x.SetColWidth(sheet, "A", "A", 12)
	x.SetColWidth(sheet, "D", "D", 28)
	x.SetColWidth(sheet, "F", "F", 22)
	return x.Write(w)
}

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col+1, row)
	return name
}

// WritePDF writes a printable A4 landscape statement with the embedded
// DejaVu font, so Kazakh and Russian names render.
func (st *Statement) WritePDF(w io.Writer) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	// A fixed creation date keeps the same statement's PDF identical.
	pdf.SetCreationDate(time.Date(st.To.Year(), st.To.Month(), st.To.Day(), 0, 0, 0, 0, time.UTC))
	pdf.SetModificationDate(time.Date(st.To.Year(), st.To.Month(), st.To.Day(), 0, 0, 0, 0, time.UTC))
	pdf.SetTitle(st.Filename("pdf"), true)
	pdf.SetAuthor("ecinema", true)
	pdf.SetAutoPageBreak(true, 12)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("DejaVu", "", 7)
		pdf.CellFormat(0, 5, fmt.Sprintf("ecinema · %s · %d/{nb}", st.Filename("pdf"), pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	title := "Settlement statement · Есеп айырысу үзіндісі · Отчёт о взаиморасчётах"
	if st.IsRoyalty() {
		title = "Royalty statement · Авторлық сыйақы үзіндісі · Отчёт о роялти"
	}
	pdf.SetFont("DejaVu", "B", 13)
	pdf.CellFormat(0, 8, title, "", 1, "L", false, 0, "")
	pdf.SetFont("DejaVu", "", 10)
	pdf.CellFormat(0, 6, fmt.Sprintf("%s (%s, %s) · BIN %s", st.Party.Name, st.Party.ID, st.Party.Kind, st.Party.BIN), "", 1, "L", false, 0, "")
	status := ""
	for i, p := range st.Periods {
		if i > 0 {
			status += ", "
		}
		s := "open"
		if p.Closed {
			s = "closed"
		}
		status += month(p.Period) + " " + s
	}
	pdf.CellFormat(0, 6, fmt.Sprintf("Period %s – %s (%s)", day(st.From), day(st.To), status), "", 1, "L", false, 0, "")
	pdf.Ln(2)

	_, rows, total := st.table()
	type pcol struct {
		idx   int
		head  string
		width float64
		right bool
	}
	var pc []pcol
	if st.IsRoyalty() {
		pc = []pcol{{0, "Period", 14, false}, {3, "Film", 60, false}, {5, "Cinema", 50, false}, {6, "Wk", 8, true},
			{7, "From", 18, false}, {8, "To", 18, false}, {9, "Royalty pool", 26, true}, {10, "Role", 24, false},
			{11, "Share %", 16, true}, {12, "Amount", 26, true}}
	} else {
		pc = []pcol{{0, "Period", 12, false}, {3, "Film", 30, false}, {5, "Cinema", 24, false}, {6, "Wk", 7, true},
			{7, "From", 15, false}, {8, "To", 15, false}, {9, "Adm.", 10, true}, {10, "Gross", 18, true}, {11, "VAT", 18, true},
			{12, "Net", 18, true}, {13, "Royalty", 18, true}, {16, "Exhibitor", 18, true}, {17, "Dist. fee", 18, true},
			{18, "Prod. gross", 18, true}, {19, "Recoup.", 18, true}, {20, "Prod. share", 18, true}}
	}
	if !st.IsRoyalty() && !st.ShowsRecoupment() {
		pc = pc[:len(pc)-2]
		pc[1].width += 18 // film
		pc[2].width += 18 // cinema
	}
	header := func() {
		pdf.SetFont("DejaVu", "B", 6.5)
		pdf.SetFillColor(230, 230, 230)
		for _, c := range pc {
			align := "L"
			if c.right {
				align = "R"
			}
			pdf.CellFormat(c.width, 6, c.head, "1", 0, align, true, 0, "")
		}
		pdf.Ln(-1)
	}
	header()
	row := func(vals []string, style string, adj bool) {
		if pdf.GetY() > 190 {
			pdf.AddPage()
			header()
		}
		pdf.SetFont("DejaVu", style, 6.5)
		for _, c := range pc {
			v := vals[c.idx]
			if c.idx == 0 && adj {
				v += " adj."
			}
			align := "L"
			if c.right {
				align = "R"
			}
			pdf.CellFormat(c.width, 5, fit(pdf, v, c.width-1), "1", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	for _, r := range rows {
		row(r, "", r[1] == "true")
	}
	row(total, "B", false)
	pdf.Ln(3)
	pdf.SetFont("DejaVu", "", 7)
	pdf.MultiCell(0, 4, "Money in KZT. VAT is included in ticket prices; adj. marks late data for a closed period, "+
		"settled in this period with its original box-office days. vat + royalty + exhibitor share + distribution fee + "+
		"producer gross = gross on every line.", "", "L", false)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("settlement: pdf: %w", err)
	}
	return pdf.Output(w)
}

// fit shortens s with an ellipsis to fit width mm at the current font.
func fit(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
