package settlement

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"
	"golang.org/x/image/font/sfnt"

	"ecinema/i18n"
	"ecinema/registry"
)

// Page geometry of the PDF statement: A4 landscape, mm.
const (
	pdfPageW   = 297.0
	pdfPageH   = 210.0
	pdfMargin  = 12.0
	pdfBottom  = 16.0 // room for the footer
	pdfPad     = 1.2  // cell padding left and right
	pdfLineH   = 3.6  // one text line of a table cell at pdfFont
	pdfFont    = 7.0  // table font size, pt
	pdfMinFont = 5.0
)

// WritePDF writes the statement as a document an accountant signs: title,
// party, BIN, period and status, the ledger tree it was computed at, the
// amount payable, a summary per film, the lines grouped by film with
// subtotals, the totals, notes and signature lines, page numbers. Every
// figure is printed whole with grouped thousands; columns are as wide as
// their widest figure and names wrap instead of being cut. Text the font
// cannot draw (emoji, for one) is replaced, never a failure.
func (st *Statement) WritePDF(w io.Writer) error {
	d := &pdfDoc{st: st, l: st.Lang}
	if d.l == "" {
		d.l = i18n.Default
	}
	d.pdf = fpdf.New("L", "mm", "A4", "")
	p := d.pdf
	p.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	p.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	// A fixed creation date keeps the same statement's PDF identical.
	fixed := time.Date(st.To.Year(), st.To.Month(), st.To.Day(), 0, 0, 0, 0, time.UTC)
	p.SetCreationDate(fixed)
	p.SetModificationDate(fixed)
	p.SetTitle(pdfText(d.title()+" · "+st.Party.Name), true)
	p.SetAuthor("ecinema", true)
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetCellMargin(0) // cells are padded by pdfPad; SplitText would subtract a margin again
	p.SetAutoPageBreak(false, pdfBottom)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(d.footer)
	p.AddPage()
	d.header()
	d.headline()
	d.summary()
	d.lines()
	d.closing()
	if err := p.Error(); err != nil {
		return fmt.Errorf("settlement: pdf: %w", err)
	}
	return p.Output(w)
}

type pdfDoc struct {
	st  *Statement
	l   i18n.Lang
	pdf *fpdf.Fpdf
}

func (d *pdfDoc) title() string {
	if d.st.IsRoyalty() {
		return tr(d.l, "title_royalty")
	}
	return tr(d.l, "title")
}

func (d *pdfDoc) money(x decimal.Decimal) string { return d.l.FormatMoney(money(x)) }

func (d *pdfDoc) int(n int64) string { return d.l.FormatInt(strconv.FormatInt(n, 10)) }

func (d *pdfDoc) text(x, y, w float64, style string, size float64, s, align string) {
	d.pdf.SetFont("DejaVu", style, size)
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, size*0.45, pdfText(s), "", 0, align, false, 0, "")
}

func (d *pdfDoc) root() string { return hex.EncodeToString(d.st.Ledger.Root[:]) }

func (d *pdfDoc) footer() {
	p := d.pdf
	y := pdfPageH - 10
	p.SetDrawColor(160, 160, 160)
	p.Line(pdfMargin, y-1.5, pdfPageW-pdfMargin, y-1.5)
	left := fmt.Sprintf("%s · %s · %s %s", d.st.Party.Name, d.st.Filename("pdf"), tr(d.l, "ledger"),
		fmt.Sprintf(tr(d.l, "tree"), d.st.Ledger.Size, d.root()[:16]+"…"))
	d.text(pdfMargin, y, 200, "", 6.5, left, "L")
	d.text(pdfPageW-pdfMargin-60, y, 60, "", 7, fmt.Sprintf(tr(d.l, "page"), p.PageNo(), "{nb}"), "R")
	p.SetDrawColor(0, 0, 0)
}

// header: title, party, period and status, ledger reference.
func (d *pdfDoc) header() {
	p, st := d.pdf, d.st
	d.text(pdfMargin, pdfMargin, 0, "B", 15, d.title(), "L")
	y := pdfMargin + 10
	status := []string{}
	for _, ps := range st.Periods {
		s := month(ps.Period) + " — "
		if ps.Closed {
			s += tr(d.l, "closed")
			if ps.EntrySeq != nil {
				s += fmt.Sprintf(" (%s #%d)", tr(d.l, "close_entry"), *ps.EntrySeq)
			}
		} else {
			s += tr(d.l, "open")
		}
		status = append(status, s)
	}
	rows := [][2]string{
		{tr(d.l, "party"), st.Party.Name},
		{tr(d.l, "bin"), st.Party.BIN},
		{tr(d.l, "kind"), tr(d.l, st.Party.Kind) + " · " + tr(d.l, "party_id") + " " + st.Party.ID},
		{tr(d.l, "period"), dateIn(d.l, st.From) + " – " + dateIn(d.l, st.To)},
		{tr(d.l, "status"), strings.Join(status, "; ")},
		{tr(d.l, "currency"), "KZT"},
		{tr(d.l, "ledger"), fmt.Sprintf(tr(d.l, "tree"), st.Ledger.Size, d.root())},
	}
	labelW := 28.0
	for _, r := range rows {
		p.SetFont("DejaVu", "B", 9)
		p.SetXY(pdfMargin, y)
		p.CellFormat(labelW, 4.6, pdfText(r[0]), "", 0, "L", false, 0, "")
		p.SetFont("DejaVu", "", 9)
		p.SetXY(pdfMargin+labelW, y)
		p.MultiCell(pdfPageW-2*pdfMargin-labelW, 4.6, pdfText(r[1]), "", "L", false)
		y = p.GetY()
	}
	p.SetFont("DejaVu", "", 7)
	p.SetXY(pdfMargin+labelW, y)
	p.MultiCell(pdfPageW-2*pdfMargin-labelW, 3.4, pdfText(fmt.Sprintf(tr(d.l, "tree_note"), st.Ledger.Size)), "", "L", false)
	p.SetY(p.GetY() + 3)
}

// payable is the headline amount of the statement and its explanation.
func (d *pdfDoc) payable(t Totals) (label string, amount decimal.Decimal, note string) {
	switch d.st.Party.Kind {
	case registry.KindRightsHolder:
		return tr(d.l, "pay_rh"), t.RoyaltyAmount, tr(d.l, "pay_rh_n")
	case registry.KindExhibitor:
		return tr(d.l, "pay_exh"), t.rental(), fmt.Sprintf(tr(d.l, "pay_exh_n"), d.money(t.Royalty))
	case registry.KindDistributor:
		return tr(d.l, "pay_dist"), t.ProducerShare,
			fmt.Sprintf(tr(d.l, "pay_dist_n"), d.money(t.rental()), d.money(t.DistributionFee.Add(t.Recoupment)))
	}
	return tr(d.l, "pay_producer"), t.ProducerShare, tr(d.l, "pay_producer_n")
}

// payableOf is the per-film payable of the summary (the headline's figure).
func (d *pdfDoc) payableOf(t Totals) decimal.Decimal {
	_, a, _ := d.payable(t)
	return a
}

func (d *pdfDoc) headline() {
	p := d.pdf
	label, amount, note := d.payable(d.st.Totals)
	y := p.GetY()
	w := pdfPageW - 2*pdfMargin
	p.SetFillColor(235, 240, 248)
	p.SetDrawColor(60, 80, 120)
	p.Rect(pdfMargin, y, w, 15, "DF")
	p.SetDrawColor(0, 0, 0)
	d.text(pdfMargin+3, y+2.5, w-6, "B", 12, label+": "+d.money(amount)+" KZT", "L")
	d.text(pdfMargin+3, y+9.5, w-6, "", 8, note, "L")
	p.SetY(y + 19)
}

// filmOrder returns the statement's film ids in the order they first appear.
func (d *pdfDoc) filmOrder() []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, l := range d.st.Lines {
		add(l.FilmID)
	}
	for _, r := range d.st.RoyaltyLines {
		add(r.FilmID)
	}
	return ids
}

func (d *pdfDoc) filmTitle(id, fallback string) string {
	if f, ok := d.st.Films[id]; ok {
		if t := f.Title(d.l); t != "" {
			return t
		}
	}
	return fallback
}

// filmTotals sums the statement's lines of one film.
func (d *pdfDoc) filmTotals(id string) Totals {
	sub := &Statement{Party: d.st.Party}
	for _, l := range d.st.Lines {
		if l.FilmID == id {
			sub.Lines = append(sub.Lines, l)
		}
	}
	for _, r := range d.st.RoyaltyLines {
		if r.FilmID == id {
			sub.RoyaltyLines = append(sub.RoyaltyLines, r)
		}
	}
	return totalsOf(sub)
}

func (d *pdfDoc) section(title string) {
	p := d.pdf
	if p.GetY()+14 > pdfPageH-pdfBottom {
		p.AddPage()
	}
	d.text(pdfMargin, p.GetY(), 0, "B", 10.5, title, "L")
	p.SetY(p.GetY() + 6)
}

// summary: one row per film with its figures, recoupment balance and payable.
func (d *pdfDoc) summary() {
	d.section(tr(d.l, "summary"))
	st := d.st
	var t pdfTable
	t.cols = d.summaryCols()
	for _, id := range d.filmOrder() {
		ft := d.filmTotals(id)
		fallback := ""
		for _, l := range st.Lines {
			if l.FilmID == id {
				fallback = l.FilmTitle
				break
			}
		}
		for _, r := range st.RoyaltyLines {
			if r.FilmID == id && fallback == "" {
				fallback = r.FilmTitle
			}
		}
		t.rows = append(t.rows, pdfRow{cells: d.summaryCells(d.filmTitle(id, fallback), id, ft)})
	}
	t.rows = append(t.rows, pdfRow{cells: d.summaryCells(tr(d.l, "total"), "", st.Totals), bold: true, fill: true})
	t.draw(d)
}

func (d *pdfDoc) summaryCols() []pdfCol {
	l := d.l
	switch {
	case d.st.IsRoyalty():
		return []pdfCol{{head: tr(l, "film_title"), wrap: true}, {head: tr(l, "royalty_pool"), right: true},
			{head: tr(l, "payable"), right: true}}
	case !d.st.ShowsRecoupment():
		return []pdfCol{{head: tr(l, "film_title"), wrap: true}, {head: tr(l, "admissions"), right: true},
			{head: tr(l, "gross"), right: true}, {head: tr(l, "vat"), right: true}, {head: tr(l, "royalty"), right: true},
			{head: tr(l, "exhibitor_share"), right: true}, {head: tr(l, "distribution_fee"), right: true},
			{head: tr(l, "producer_gross"), right: true}, {head: tr(l, "payable"), right: true}}
	}
	return []pdfCol{{head: tr(l, "film_title"), wrap: true}, {head: tr(l, "admissions"), right: true},
		{head: tr(l, "gross"), right: true}, {head: tr(l, "vat"), right: true}, {head: tr(l, "royalty"), right: true},
		{head: tr(l, "exhibitor_share"), right: true}, {head: tr(l, "distribution_fee"), right: true},
		{head: tr(l, "producer_gross"), right: true}, {head: tr(l, "recoupment"), right: true},
		{head: tr(l, "remaining"), right: true}, {head: tr(l, "payable"), right: true}}
}

// summaryCells is a summary row: of film id, or of the whole statement when id is "".
func (d *pdfDoc) summaryCells(name, id string, t Totals) []string {
	if d.st.IsRoyalty() {
		pool := decimal.Zero
		seen := map[[3]string]bool{}
		for _, r := range d.st.RoyaltyLines {
			if id != "" && r.FilmID != id {
				continue
			}
			// A pool counts once per line even if the holder has two roles in it.
			k := [3]string{month(r.Period), r.FilmID, r.CinemaID + "|" + strconv.Itoa(r.Week) + "|" + day(r.FirstDay)}
			if !seen[k] {
				seen[k] = true
				pool = pool.Add(r.RoyaltyPool)
			}
		}
		return []string{name, d.money(pool), d.money(t.RoyaltyAmount)}
	}
	c := []string{name, d.int(t.Admissions), d.money(t.Gross), d.money(t.VAT), d.money(t.Royalty),
		d.money(t.ExhibitorShare), d.money(t.DistributionFee), d.money(t.ProducerGross)}
	if d.st.ShowsRecoupment() {
		remaining := ""
		if id != "" {
			remaining = d.money(d.st.Films[id].remaining())
		}
		c = append(c, d.money(t.Recoupment), remaining)
	}
	return append(c, d.money(d.payableOf(t)))
}

// lines: the lines grouped by film, each group with its subtotal, then the total.
func (d *pdfDoc) lines() {
	d.section(tr(d.l, "lines"))
	st, l := d.st, d.l
	var t pdfTable
	if st.IsRoyalty() {
		t.cols = []pdfCol{{head: tr(l, "period")}, {head: tr(l, "cinema_name"), wrap: true}, {head: tr(l, "week"), right: true},
			{head: tr(l, "days")}, {head: tr(l, "royalty_pool"), right: true}, {head: tr(l, "role")},
			{head: tr(l, "share_pct"), right: true}, {head: tr(l, "amount"), right: true}}
	} else {
		t.cols = []pdfCol{{head: tr(l, "period")}, {head: tr(l, "cinema_name"), wrap: true}, {head: tr(l, "week"), right: true},
			{head: tr(l, "days")}, {head: tr(l, "admissions"), right: true}, {head: tr(l, "gross"), right: true},
			{head: tr(l, "vat"), right: true}, {head: tr(l, "net"), right: true}, {head: tr(l, "royalty"), right: true},
			{head: tr(l, "exhibitor_share"), right: true}, {head: tr(l, "distribution_fee"), right: true},
			{head: tr(l, "producer_gross"), right: true}}
		if st.ShowsRecoupment() {
			t.cols = append(t.cols, pdfCol{head: tr(l, "recoupment"), right: true}, pdfCol{head: tr(l, "producer_share"), right: true})
		}
	}
	period := func(p time.Time, adj bool) string {
		s := month(p)
		if adj {
			s += " " + tr(l, "adj")
		}
		return s
	}
	days := func(a, b time.Time) string { return dateIn(l, a) + " – " + dateIn(l, b) }
	fullCells := func(p, cinema, wk, dd string, t Totals) []string {
		c := []string{p, cinema, wk, dd, d.int(t.Admissions), d.money(t.Gross), d.money(t.VAT), d.money(t.Net),
			d.money(t.Royalty), d.money(t.ExhibitorShare), d.money(t.DistributionFee), d.money(t.ProducerGross)}
		if st.ShowsRecoupment() {
			c = append(c, d.money(t.Recoupment), d.money(t.ProducerShare))
		}
		return c
	}
	for _, id := range d.filmOrder() {
		var title string
		var rows []pdfRow
		for _, r := range st.RoyaltyLines {
			if r.FilmID != id {
				continue
			}
			title = d.filmTitle(id, r.FilmTitle)
			rows = append(rows, pdfRow{cells: []string{period(r.Period, r.Adjustment), r.CinemaName, strconv.Itoa(r.Week),
				days(r.FirstDay, r.LastDay), d.money(r.RoyaltyPool), r.Role, r.SharePct.String(), d.money(r.Amount)}})
		}
		for _, x := range st.Lines {
			if x.FilmID != id {
				continue
			}
			title = d.filmTitle(id, x.FilmTitle)
			one := &Statement{Party: st.Party, Lines: []Line{x}}
			rows = append(rows, pdfRow{cells: fullCells(period(x.Period, x.Adjustment), x.CinemaName, strconv.Itoa(x.Week),
				days(x.FirstDay, x.LastDay), totalsOf(one))})
		}
		t.rows = append(t.rows, pdfRow{group: title + " (" + id + ")"})
		t.rows = append(t.rows, rows...)
		ft := d.filmTotals(id)
		sub := tr(l, "subtotal")
		if st.IsRoyalty() {
			t.rows = append(t.rows, pdfRow{cells: []string{sub, "", "", "", "", "", "", d.money(ft.RoyaltyAmount)}, bold: true})
		} else {
			t.rows = append(t.rows, pdfRow{cells: fullCells(sub, "", "", "", ft), bold: true})
		}
	}
	tot := tr(l, "total")
	if st.IsRoyalty() {
		t.rows = append(t.rows, pdfRow{cells: []string{tot, "", "", "", "", "", "", d.money(st.Totals.RoyaltyAmount)}, bold: true, fill: true})
	} else {
		t.rows = append(t.rows, pdfRow{cells: fullCells(tot, "", "", "", st.Totals), bold: true, fill: true})
	}
	t.draw(d)
}

// closing: notes and the signature lines.
func (d *pdfDoc) closing() {
	p := d.pdf
	if p.GetY()+30 > pdfPageH-pdfBottom {
		p.AddPage()
	}
	y := p.GetY() + 3
	p.SetFont("DejaVu", "", 7)
	p.SetXY(pdfMargin, y)
	p.MultiCell(pdfPageW-2*pdfMargin, 3.4, pdfText(tr(d.l, "notes")), "", "L", false)
	y = p.GetY() + 12
	half := (pdfPageW - 2*pdfMargin - 10) / 2
	for i, s := range []string{tr(d.l, "prepared"), fmt.Sprintf(tr(d.l, "accepted"), d.st.Party.Name)} {
		x := pdfMargin + float64(i)*(half+10)
		p.Line(x, y, x+half, y)
		d.text(x, y+1.5, half, "", 7.5, s, "L")
	}
	p.SetY(y + 8)
}

// ---- tables ---------------------------------------------------------------

type pdfCol struct {
	head  string
	right bool
	wrap  bool // takes the width left over; its text wraps
	w     float64
}

type pdfRow struct {
	cells      []string
	group      string // a full-width group heading instead of cells
	bold, fill bool
}

type pdfTable struct {
	cols []pdfCol
	rows []pdfRow
	size float64
}

// layout sets the column widths: every fixed column as wide as its widest
// cell (a header may wrap at its spaces), the wrapping columns share the
// rest. When the figures do not fit, the font shrinks.
func (t *pdfTable) layout(d *pdfDoc) {
	p := d.pdf
	avail := pdfPageW - 2*pdfMargin
	for t.size = pdfFont; ; t.size -= 0.5 {
		fixed, nwrap := 0.0, 0
		for i := range t.cols {
			c := &t.cols[i]
			if c.wrap {
				nwrap++
				continue
			}
			w := 0.0
			p.SetFont("DejaVu", "B", t.size)
			for _, word := range strings.Fields(c.head) {
				w = max(w, p.GetStringWidth(pdfText(word)))
			}
			for _, r := range t.rows {
				if r.group != "" || i >= len(r.cells) {
					continue
				}
				style := ""
				if r.bold {
					style = "B"
				}
				p.SetFont("DejaVu", style, t.size)
				w = max(w, p.GetStringWidth(pdfText(r.cells[i])))
			}
			c.w = w + 2*pdfPad + 0.5
			fixed += c.w
		}
		rest := avail - fixed
		if nwrap == 0 || rest/float64(nwrap) >= 28 || t.size <= pdfMinFont {
			for i := range t.cols {
				if t.cols[i].wrap {
					t.cols[i].w = max(rest/float64(nwrap), 20)
				}
			}
			if nwrap == 0 && rest > 0 { // spread the slack over the columns
				for i := range t.cols {
					t.cols[i].w += rest / float64(len(t.cols))
				}
			}
			return
		}
	}
}

func (t *pdfTable) lineH() float64 { return pdfLineH * t.size / pdfFont }

// cellLines splits s into the lines it takes in a column of width w.
func (t *pdfTable) cellLines(d *pdfDoc, s string, w float64, style string) []string {
	d.pdf.SetFont("DejaVu", style, t.size)
	if s == "" {
		return []string{""}
	}
	return d.pdf.SplitText(pdfText(s), w-2*pdfPad)
}

func (t *pdfTable) drawHeader(d *pdfDoc) {
	cells := make([]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = c.head
	}
	t.drawRow(d, pdfRow{cells: cells, bold: true}, true)
}

// drawRow draws one row; its height is that of its tallest cell.
func (t *pdfTable) drawRow(d *pdfDoc, r pdfRow, header bool) {
	p := d.pdf
	style := ""
	if r.bold {
		style = "B"
	}
	lh := t.lineH()
	x0, y := pdfMargin, p.GetY()
	if r.group != "" {
		w := pdfPageW - 2*pdfMargin
		lines := t.cellLines(d, r.group, w, "B")
		h := float64(len(lines))*lh + 1
		p.SetFillColor(245, 245, 245)
		p.Rect(x0, y, w, h, "DF")
		for k, s := range lines {
			p.SetXY(x0+pdfPad, y+0.5+float64(k)*lh)
			p.CellFormat(w-2*pdfPad, lh, s, "", 0, "L", false, 0, "")
		}
		p.SetY(y + h)
		return
	}
	split := make([][]string, len(t.cols))
	n := 1
	for i, c := range t.cols {
		v := ""
		if i < len(r.cells) {
			v = r.cells[i]
		}
		if c.wrap || header {
			split[i] = t.cellLines(d, v, c.w, style)
		} else {
			split[i] = []string{pdfText(v)}
		}
		n = max(n, len(split[i]))
	}
	h := float64(n)*lh + 1
	switch {
	case header:
		p.SetFillColor(225, 225, 225)
	case r.fill:
		p.SetFillColor(235, 240, 248)
	}
	x := x0
	for i, c := range t.cols {
		mode := "D"
		if header || r.fill {
			mode = "DF"
		}
		p.Rect(x, y, c.w, h, mode)
		p.SetFont("DejaVu", style, t.size)
		align := "L"
		if c.right {
			align = "R"
		}
		for k, s := range split[i] {
			p.SetXY(x+pdfPad, y+0.5+float64(k)*lh)
			p.CellFormat(c.w-2*pdfPad, lh, s, "", 0, align, false, 0, "")
		}
		x += c.w
	}
	p.SetY(y + h)
}

// rowHeight is the height drawRow will use for r.
func (t *pdfTable) rowHeight(d *pdfDoc, r pdfRow) float64 {
	if r.group != "" {
		return float64(len(t.cellLines(d, r.group, pdfPageW-2*pdfMargin, "B")))*t.lineH() + 1
	}
	n := 1
	for i, c := range t.cols {
		if c.wrap && i < len(r.cells) {
			n = max(n, len(t.cellLines(d, r.cells[i], c.w, "")))
		}
	}
	return float64(n)*t.lineH() + 1
}

func (t *pdfTable) draw(d *pdfDoc) {
	t.layout(d)
	p := d.pdf
	headH := 0.0
	for _, c := range t.cols {
		headH = max(headH, float64(len(t.cellLines(d, c.head, c.w, "B")))*t.lineH()+1)
	}
	if p.GetY()+headH+2*t.lineH() > pdfPageH-pdfBottom {
		p.AddPage()
	}
	t.drawHeader(d)
	for i, r := range t.rows {
		h := t.rowHeight(d, r)
		if r.group != "" && i+1 < len(t.rows) { // keep a heading with its first row
			h += t.rowHeight(d, t.rows[i+1])
		}
		if p.GetY()+h > pdfPageH-pdfBottom {
			p.AddPage()
			t.drawHeader(d)
		}
		t.drawRow(d, r, false)
	}
	p.SetY(p.GetY() + 4)
}

// ---- text the font can draw -------------------------------------------------

var (
	coverOnce sync.Once
	cover     [2][]uint64 // per font (regular, bold): a bit per BMP rune it has a glyph for
)

func loadCover() {
	for i, ttf := range [][]byte{fontRegular, fontBold} {
		bits := make([]uint64, 0x10000/64)
		f, err := sfnt.Parse(ttf)
		if err == nil {
			var buf sfnt.Buffer
			for r := rune(0x20); r < 0x10000; r++ {
				if g, err := f.GlyphIndex(&buf, r); err == nil && g != 0 {
					bits[r/64] |= 1 << (r % 64)
				}
			}
		}
		cover[i] = bits
	}
}

// drawable reports whether both embedded fonts have a glyph for r.
func drawable(r rune) bool {
	coverOnce.Do(loadCover)
	if r < 0 || r >= 0x10000 {
		return false
	}
	for _, bits := range cover {
		if bits[r/64]&(1<<(r%64)) == 0 {
			return false
		}
	}
	return true
}

// pdfText returns s with what the fonts cannot draw replaced: runes outside
// the fonts (emoji, other scripts) become U+FFFD, invisible marks without a
// glyph (variation selectors, zero-width joiners, controls) are dropped, so
// the PDF code never sees a rune it cannot place. The lines' names in the
// JSON and the tabular exports keep the original text.
func pdfText(s string) string {
	ok := true
	for _, r := range s {
		if !drawable(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case drawable(r):
			b.WriteRune(r)
		case r == '\t' || r == '\n':
			b.WriteByte(' ')
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Cc, unicode.Variation_Selector):
		case drawable('\uFFFD'):
			b.WriteRune('\uFFFD')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
