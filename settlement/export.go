package settlement

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"ecinema/i18n"
	"ecinema/tabular"
)

// Content types of the statement exports.
const (
	contentTypeJSON = "application/json"
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

// columns of the tabular exports: the JSON keys and kinds; labels come
// from the statement's language.
type column struct {
	name string
	kind tabular.Kind
}

var fullColumns = []column{
	{"period", tabular.Month}, {"adjustment", tabular.Bool}, {"film_id", tabular.Text}, {"film_title", tabular.Text},
	{"cinema_id", tabular.Text}, {"cinema_name", tabular.Text}, {"week", tabular.Int}, {"first_day", tabular.Date},
	{"last_day", tabular.Date}, {"admissions", tabular.Int},
	{"gross", tabular.Money}, {"vat", tabular.Money}, {"net", tabular.Money}, {"royalty", tabular.Money},
	{"rentable", tabular.Money}, {"rental", tabular.Money}, {"exhibitor_share", tabular.Money},
	{"distribution_fee", tabular.Money}, {"producer_gross", tabular.Money}, {"recoupment", tabular.Money},
	{"producer_share", tabular.Money},
}

var royaltyColumns = []column{
	{"period", tabular.Month}, {"adjustment", tabular.Bool}, {"film_id", tabular.Text}, {"film_title", tabular.Text},
	{"cinema_id", tabular.Text}, {"cinema_name", tabular.Text}, {"week", tabular.Int}, {"first_day", tabular.Date},
	{"last_day", tabular.Date}, {"royalty_pool", tabular.Money}, {"role", tabular.Text}, {"share_pct", tabular.Pct},
	{"amount", tabular.Money},
}

// title returns a line's film title in the statement's language.
func (st *Statement) title(id, fallback string) string {
	if f, ok := st.Films[id]; ok {
		if t := f.Title(st.lang()); t != "" {
			return t
		}
	}
	return fallback
}

func (st *Statement) lang() i18n.Lang {
	if st.Lang == "" {
		return i18n.Default
	}
	return st.Lang
}

// table returns the statement as a tabular.Table: the lines as rows (no
// total row among them), the party, period, status and ledger tree as facts
// and the totals apart.
func (st *Statement) table() *tabular.Table {
	l := st.lang()
	t := &tabular.Table{Lang: l}
	if st.IsRoyalty() {
		t.Title = tr(l, "title_royalty")
	} else {
		t.Title = tr(l, "title")
	}
	status := make([]string, 0, len(st.Periods))
	for _, p := range st.Periods {
		s := month(p.Period) + " " + tr(l, "closed")
		if !p.Closed {
			s = month(p.Period) + " " + tr(l, "open")
		}
		status = append(status, s)
	}
	t.Facts = [][2]string{
		{tr(l, "party"), st.Party.Name}, {tr(l, "party_id"), st.Party.ID}, {tr(l, "bin"), st.Party.BIN},
		{tr(l, "kind"), st.Party.Kind}, {tr(l, "from"), day(st.From)}, {tr(l, "to"), day(st.To)},
		{tr(l, "status"), strings.Join(status, "; ")},
		{tr(l, "ledger_size"), strconv.FormatInt(st.Ledger.Size, 10)},
		{tr(l, "ledger_root"), fmt.Sprintf("%x", st.Ledger.Root[:])},
		{tr(l, "currency"), "KZT"},
	}
	cols := fullColumns
	if st.IsRoyalty() {
		cols = royaltyColumns
	} else if !st.ShowsRecoupment() { // the last two columns: recoupment, producer_share
		cols = cols[:len(cols)-2]
	}
	for _, c := range cols {
		t.Columns = append(t.Columns, tabular.Column{Key: c.name, Label: labels[c.name], Kind: c.kind})
	}
	if st.IsRoyalty() {
		for _, r := range st.RoyaltyLines {
			t.Rows = append(t.Rows, []string{month(r.Period), strconv.FormatBool(r.Adjustment), r.FilmID, st.title(r.FilmID, r.FilmTitle),
				r.CinemaID, r.CinemaName, strconv.Itoa(r.Week), day(r.FirstDay), day(r.LastDay),
				money(r.RoyaltyPool), r.Role, r.SharePct.String(), money(r.Amount)})
		}
		t.Totals = []tabular.Total{
			{Key: "lines", Label: labels["lines"], Kind: tabular.Int, Value: strconv.Itoa(st.Totals.Lines)},
			{Key: "royalty", Label: labels["amount"], Kind: tabular.Money, Value: money(st.Totals.RoyaltyAmount)},
		}
		return t
	}
	for _, x := range st.Lines {
		row := []string{month(x.Period), strconv.FormatBool(x.Adjustment), x.FilmID, st.title(x.FilmID, x.FilmTitle),
			x.CinemaID, x.CinemaName, strconv.Itoa(x.Week), day(x.FirstDay), day(x.LastDay),
			strconv.FormatInt(x.Admissions, 10), money(x.Gross), money(x.VAT), money(x.Net), money(x.Royalty),
			money(x.Rentable()), money(x.Rental()),
			money(x.ExhibitorShare), money(x.DistributionFee), money(x.ProducerGross), money(x.Recoupment),
			money(x.ProducerShare)}
		t.Rows = append(t.Rows, row[:len(cols)])
	}
	tot := st.Totals
	t.Totals = []tabular.Total{{Key: "lines", Label: labels["lines"], Kind: tabular.Int, Value: strconv.Itoa(tot.Lines)},
		{Key: "admissions", Label: labels["admissions"], Kind: tabular.Int, Value: strconv.FormatInt(tot.Admissions, 10)}}
	for _, k := range []struct {
		key string
		v   decimal.Decimal
	}{{"gross", tot.Gross}, {"vat", tot.VAT}, {"net", tot.Net}, {"royalty", tot.Royalty}, {"rentable", tot.rentable()},
		{"rental", tot.rental()}, {"exhibitor_share", tot.ExhibitorShare}, {"distribution_fee", tot.DistributionFee},
		{"producer_gross", tot.ProducerGross}, {"recoupment", tot.Recoupment}, {"producer_share", tot.ProducerShare}} {
		if !st.ShowsRecoupment() && (k.key == "recoupment" || k.key == "producer_share") {
			continue
		}
		t.Totals = append(t.Totals, tabular.Total{Key: k.key, Label: labels[k.key], Kind: tabular.Money, Value: money(k.v)})
	}
	return t
}

// totalsFactKeys name the facts in the totals CSV.
var totalsFactKeys = []string{"party_name", "party_id", "bin", "kind", "from", "to", "status", "ledger_size", "ledger_root", "currency"}

// WriteCSV writes the statement's lines as CSV (see package tabular): a
// header of JSON keys and one row per line; the totals are WriteTotalsCSV.
func (st *Statement) WriteCSV(w io.Writer, o tabular.CSVOptions) error {
	return st.table().WriteCSV(w, o)
}

// WriteTotalsCSV writes the statement's party, period, status, ledger tree
// and totals as a CSV of one header and one row.
func (st *Statement) WriteTotalsCSV(w io.Writer, o tabular.CSVOptions) error {
	return st.table().WriteTotalsCSV(w, o, totalsFactKeys)
}

// WriteXLSX writes the statement as a workbook: a first sheet naming the
// party, period, status and ledger tree with the totals, then the lines
// (headers in the statement's language, frozen, with filters).
func (st *Statement) WriteXLSX(w io.Writer) error {
	return st.table().WriteXLSX(w, sheetStatement.In(st.lang()), sheetLines.In(st.lang()))
}

var (
	sheetStatement = i18n.Text{KK: "Есеп", RU: "Отчёт", EN: "Statement"}
	sheetLines     = i18n.Text{KK: "Жолдар", RU: "Строки", EN: "Lines"}
)
