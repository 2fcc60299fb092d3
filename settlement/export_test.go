package settlement

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"ecinema/i18n"
	"ecinema/tabular"
)

// exportFixture: January sales for film-1 at both cinemas and a late
// adjustment, so the statements have several lines.
func exportFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.addSales("cin-1", "film-1", "2026-01-09", "2025-12-30", "2500.00", 1)
	f.addSales("cin-2", "film-1", "2026-01-16", "2026-01-16", "4300.00", 2)
	f.addSales("cin-1", "film-1", "2026-01-23", "2026-01-23", "1800.00", 1)
	return f
}

func totalsOfBody(t *testing.T, st *Statement) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(TotalsBody(st.Party.Kind, st.Totals), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExportCSVAndXLSX: the CSV holds the lines only (BOM, keys as
// header), the totals CSV and the XLSX's first sheet hold totals equal to the
// JSON totals, the XLSX's lines sheet has no total row.
func TestExportCSVAndXLSX(t *testing.T) {
	f := exportFixture(t)
	for _, party := range []string{"prod-a", "exh-1", "rh-composer"} {
		t.Run(party, func(t *testing.T) {
			st := f.statement(party, "2026-01-01", "2026-01-31")
			want := totalsOfBody(t, st)
			var buf bytes.Buffer
			if err := st.WriteCSV(&buf, tabular.CSVOptions{Delimiter: ';'}); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) {
				t.Fatal("csv without BOM")
			}
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff")))
			r.Comma = ';'
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if recs[0][0] != "period" || len(recs) != 1+int(want["lines"].(float64)) {
				t.Fatalf("csv rows %d: %v", len(recs), recs)
			}
			buf.Reset()
			if err := st.WriteTotalsCSV(&buf, tabular.CSVOptions{}); err != nil {
				t.Fatal(err)
			}
			trecs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
			if err != nil || len(trecs) != 2 {
				t.Fatalf("totals csv %v %v", trecs, err)
			}
			checked := 0
			for i, h := range trecs[0] {
				switch h {
				case "party_id":
					if trecs[1][i] != party {
						t.Errorf("totals csv party %q", trecs[1][i])
					}
				case "bin":
					if trecs[1][i] != st.Party.BIN {
						t.Errorf("totals csv bin %q", trecs[1][i])
					}
				}
				if w, ok := want[h]; ok {
					if fmt.Sprint(w) != trecs[1][i] {
						t.Errorf("totals csv %s = %s, json %v", h, trecs[1][i], w)
					}
					checked++
				}
			}
			if checked != len(want) {
				t.Errorf("totals csv compared %d of %d totals", checked, len(want))
			}

			buf.Reset()
			if err := st.WriteXLSX(&buf); err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&buf, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			sheets := x.GetSheetList()
			if len(sheets) != 2 {
				t.Fatalf("sheets %v", sheets)
			}
			lines, _ := x.GetRows(sheets[1], excelize.Options{RawCellValue: true})
			if len(lines) != 1+int(want["lines"].(float64)) {
				t.Errorf("xlsx lines sheet has %d rows", len(lines))
			}
			summary, _ := x.GetRows(sheets[0], excelize.Options{RawCellValue: true})
			got := map[string]string{}
			for _, r := range summary {
				if len(r) == 2 {
					got[r[0]] = r[1]
				}
			}
			if got[tr(st.lang(), "bin")] != st.Party.BIN || got[tr(st.lang(), "party")] != st.Party.Name {
				t.Errorf("xlsx summary %v", got)
			}
			for k, w := range want {
				lab := labels[k].In(st.lang())
				if k == "royalty" && st.IsRoyalty() {
					lab = labels["amount"].In(st.lang())
				}
				g, ok := got[lab]
				if !ok {
					t.Errorf("xlsx summary lacks %s (%s)", k, lab)
					continue
				}
				// Raw values are the shortest float text: 17900 for 17900.00.
				if wd, gd := decimal.RequireFromString(fmt.Sprint(w)), decimal.RequireFromString(g); !wd.Equal(gd) {
					t.Errorf("xlsx total %s = %s, json %v", k, g, w)
				}
			}
		})
	}
}

// pdfText renders st as a PDF in lang and returns pdftotext's layout text.
func pdfTextOf(t *testing.T, st *Statement, lang i18n.Lang) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) not installed")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	st.Lang = lang
	var buf bytes.Buffer
	if err := st.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// pdfRows returns the rows of text whose first cell is label (label then
// two spaces or the end), with no-break spaces made plain.
func pdfRows(text, label string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\u00a0", " "), "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, label); ok && (rest == "" || strings.HasPrefix(rest, "  ")) {
			out = append(out, rest)
		}
	}
	return out
}

// figuresIn checks that row holds exactly the figures want (JSON form, "*"
// for any), in order, as lang prints them: each one a whole cell (two
// spaces or the row's end around it).
func figuresIn(t *testing.T, what, row string, lang i18n.Lang, want []string) {
	t.Helper()
	pos := 0
	for _, w := range want {
		if w == "*" {
			continue
		}
		f := w
		if strings.Contains(w, ".") {
			f = lang.FormatMoney(w)
		} else {
			f = lang.FormatInt(w)
		}
		f = strings.ReplaceAll(f, "\u00a0", " ")
		found := -1
		for k := pos; k <= len(row)-len(f); k++ {
			k2 := strings.Index(row[k:], f)
			if k2 < 0 {
				break
			}
			at := k + k2
			end := at + len(f)
			if (at >= 2 && row[at-2:at] == "  ") && (end == len(row) || strings.HasPrefix(row[end:], "  ")) {
				found = at
				break
			}
			k = at
		}
		if found < 0 {
			t.Errorf("%s: %s (printed %q) not found after column %d in %q", what, w, f, pos, row)
			return
		}
		pos = found + len(f)
	}
	if rest := strings.TrimSpace(row[pos:]); rest != "" && want[len(want)-1] != "*" {
		t.Errorf("%s: more figures than the JSON totals: %q", what, rest)
	}
}

// TestPDFTotalsEqualJSON: every total printed in the PDF — the amount
// payable, the summary's total row and the lines' total row — equals the
// JSON totals, in each language's number format.
func TestPDFTotalsEqualJSON(t *testing.T) {
	f := exportFixture(t)
	for _, party := range []string{"prod-a", "dist-1", "exh-1", "rh-composer"} {
		for _, lang := range []i18n.Lang{i18n.EN, i18n.RU, i18n.KK} {
			t.Run(party+"/"+string(lang), func(t *testing.T) {
				st := f.statement(party, "2026-01-01", "2026-01-31")
				tot := totalsOfBody(t, st)
				text := pdfTextOf(t, st, lang)
				s := func(k string) string { return tot[k].(string) }
				adm := fmt.Sprint(tot["admissions"])
				var lines, summary []string
				var payable string
				switch st.Party.Kind {
				case "rights_holder":
					lines, summary, payable = []string{s("royalty")}, []string{"*", s("royalty")}, s("royalty")
				case "exhibitor":
					rental := st.Totals.rental().StringFixed(2)
					lines = []string{adm, s("gross"), s("vat"), s("net"), s("royalty"), s("exhibitor_share"), s("distribution_fee"), s("producer_gross")}
					summary = []string{adm, s("gross"), s("vat"), s("royalty"), s("exhibitor_share"), s("distribution_fee"), s("producer_gross"), rental}
					payable = rental
				default:
					lines = []string{adm, s("gross"), s("vat"), s("net"), s("royalty"), s("exhibitor_share"), s("distribution_fee"),
						s("producer_gross"), s("recoupment"), s("producer_share")}
					summary = []string{adm, s("gross"), s("vat"), s("royalty"), s("exhibitor_share"), s("distribution_fee"),
						s("producer_gross"), s("recoupment"), s("producer_share")}
					payable = s("producer_share")
				}
				rows := pdfRows(text, tr(lang, "total"))
				if len(rows) != 2 { // the summary's total row, then the lines'
					t.Fatalf("want 2 total rows, got %d:\n%s", len(rows), text)
				}
				figuresIn(t, "summary total", rows[0], lang, summary)
				figuresIn(t, "lines total", rows[1], lang, lines)
				label, _, _ := (&pdfDoc{st: st, l: lang}).payable(st.Totals)
				head := pdfRows(strings.ReplaceAll(text, label+": ", label+":  "), label+":")
				if len(head) != 1 {
					t.Fatalf("payable headline %q: %d rows", label, len(head))
				}
				figuresIn(t, "payable", strings.TrimSuffix(head[0], " KZT")+"  ", lang, []string{payable, "*"})
				for _, w := range []string{st.Party.BIN, fmt.Sprint(st.Ledger.Size), hex.EncodeToString(st.Ledger.Root[:]), tr(lang, "prepared")} {
					if !strings.Contains(text, w) {
						t.Errorf("pdf text lacks %q", w)
					}
				}
			})
		}
	}
}

// TestPDFAnyUnicode (issue 13 D4): an emoji, or any other rune, in a party,
// cinema or film name gives a PDF, never a panic.
func TestPDFAnyUnicode(t *testing.T) {
	f := exportFixture(t)
	var odd strings.Builder
	odd.WriteString("Кино 🎬👍🏽\u200d👩\u200d💻 \ufe0f\x00\x1b 𝔘𝔫𝔦 ")
	for r := rune(1); r < 0x10FFFF; r += 251 {
		if utf8.ValidRune(r) {
			odd.WriteRune(r)
		}
	}
	f.exec(`UPDATE parties SET name = $1 WHERE id = 'prod-a'`, "Студия 🎥 "+strings.ReplaceAll(odd.String(), "\x00", ""))
	f.exec(`UPDATE cinemas SET name = 'Арман 🍿 Алматы' WHERE id = 'cin-1'`)
	f.exec(`UPDATE films SET title_ru = 'Фильм 🎞', title_en = $1, title_kk = 'Фильм 😀' WHERE id = 'film-1'`,
		strings.ReplaceAll(string([]rune(odd.String())[:40]), "\x00", ""))
	for _, lang := range []i18n.Lang{i18n.EN, i18n.KK} {
		st := f.statement("prod-a", "2026-01-01", "2026-01-31")
		text := pdfTextOf(t, st, lang)
		for _, w := range []string{"Студия", "Арман", "Алматы", "Кино"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s: pdf text lacks %q", lang, w)
			}
		}
	}
	for _, s := range []string{"🎬", "a\u0301", "\U0010FFFF", string([]byte{0xff, 0xfe}), "\u200d\ufe0f"} {
		if got := pdfText(s); strings.ContainsFunc(got, func(r rune) bool { return r > 0xFFFF }) {
			t.Errorf("pdfText(%q) = %q keeps a rune beyond the BMP", s, got)
		}
	}
}

func TestWritePDFSample(t *testing.T) {
	out := os.Getenv("SETTLEMENT_PDF_SAMPLE")
	if out == "" {
		t.Skip("set SETTLEMENT_PDF_SAMPLE=file.pdf to write a sample")
	}
	f := exportFixture(t)
	st := f.statement("prod-a", "2026-01-01", "2026-01-31")
	var buf bytes.Buffer
	if err := st.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(out, buf.Bytes(), 0o644)
}
