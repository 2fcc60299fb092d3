package settlement

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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

func totalsOfJSON(t *testing.T, st *Statement) map[string]any {
	t.Helper()
	var doc StatementJSON
	if err := json.Unmarshal(jsonBytes(t, st), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Totals
}

func TestExportCSVAndXLSX(t *testing.T) {
	f := exportFixture(t)
	for _, party := range []string{"prod-a", "exh-1", "rh-composer"} {
		t.Run(party, func(t *testing.T) {
			st := f.statement(party, "2026-01-01", "2026-01-31")
			want := totalsOfJSON(t, st)
			var buf bytes.Buffer
			if err := st.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			head, last := recs[0], recs[len(recs)-1]
			if last[0] != "total" || len(recs) != 2+int(want["lines"].(float64)) {
				t.Fatalf("csv rows %d, last %v", len(recs), last)
			}
			checked := 0
			for i, h := range head {
				key := h
				if h == "amount" {
					key = "royalty"
				}
				w, ok := want[key]
				if !ok || last[i] == "" {
					continue
				}
				if ws, isStr := w.(string); isStr && ws != last[i] {
					t.Errorf("csv total %s = %s, json %s", h, last[i], ws)
				}
				checked++
			}
			if checked == 0 {
				t.Fatal("no totals compared")
			}

			buf.Reset()
			if err := st.WriteXLSX(&buf); err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&buf, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := x.GetRows("Statement", excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if rows[0][1] != st.Party.Name {
				t.Errorf("xlsx party %q", rows[0][1])
			}
			var xhead, xtotal []string
			for _, r := range rows {
				if len(r) > 0 && r[0] == "period" {
					xhead = r
				}
				if len(r) > 0 && r[0] == "total" {
					xtotal = r
				}
			}
			if xhead == nil || xtotal == nil {
				t.Fatalf("xlsx rows: %v", rows)
			}
			checked = 0
			for i, h := range xhead {
				key := h
				if h == "amount" {
					key = "royalty"
				}
				ws, ok := want[key].(string)
				if !ok || i >= len(xtotal) || xtotal[i] == "" {
					continue
				}
				if xtotal[i] != ws {
					t.Errorf("xlsx total %s = %s, json %s", h, xtotal[i], ws)
				}
				checked++
			}
			if checked == 0 {
				t.Fatal("no xlsx totals compared")
			}
		})
	}
}

func TestExportPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	f := exportFixture(t)
	for _, party := range []string{"prod-a", "rh-composer"} {
		st := f.statement(party, "2026-01-01", "2026-01-31")
		var buf bytes.Buffer
		if err := st.WritePDF(&buf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "s.pdf")
		os.WriteFile(p, buf.Bytes(), 0o644)
		out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		want := []string{st.Party.Name, st.Party.BIN, "2026-01-01"}
		tot := totalsOfJSON(t, st)
		if st.IsRoyalty() {
			want = append(want, tot["royalty"].(string), "роялти")
		} else {
			want = append(want, tot["gross"].(string), tot["vat"].(string), tot["producer_share"].(string),
				tot["exhibitor_share"].(string), "Отчёт", "Арман")
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: pdf text lacks %q:\n%s", party, w, text)
			}
		}
		if party == "prod-a" && !strings.Contains(text, "Қазақфильм") {
			t.Errorf("Kazakh name missing")
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
