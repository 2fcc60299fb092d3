package settlement

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"ecinema/internal/csvsafe"
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
	cw := csvsafe.NewWriter(w)
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
