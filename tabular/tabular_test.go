package tabular

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ecinema/i18n"
	"ecinema/internal/tooltest"
)

func sample() *Table {
	return &Table{
		Title: "Отчёт о взаиморасчётах",
		Lang:  i18n.RU,
		Facts: [][2]string{{"Сторона", "Қазақфильм АҚ"}, {"БИН", "070340086000"}},
		Columns: []Column{
			{Key: "bin", Label: i18n.Text{RU: "БИН", EN: "BIN"}, Kind: Text},
			{Key: "name", Label: i18n.Text{RU: "Название", EN: "Name"}, Kind: Text},
			{Key: "date", Label: i18n.Text{RU: "Дата", EN: "Date"}, Kind: Date},
			{Key: "period", Label: i18n.Text{RU: "Период", EN: "Period"}, Kind: Month},
			{Key: "admissions", Label: i18n.Text{RU: "Зрители", EN: "Admissions"}, Kind: Int},
			{Key: "gross", Label: i18n.Text{RU: "Валовой сбор", EN: "Gross"}, Kind: Money},
			{Key: "share_pct", Label: i18n.Text{RU: "Доля, %", EN: "Share, %"}, Kind: Pct},
		},
		Rows: [][]string{
			{"070340086000", "Кинотеатр «Арман»; ұлт", "2026-11-05", "2026-11", "1465", "272909100.10", "12.50"},
			{"000000000019", "=HYPERLINK(\"x\")", "2026-11-06", "2026-11", "0", "-0.01", "0.00"},
		},
		Totals: []Total{{Key: "gross", Label: i18n.Text{RU: "Валовой сбор"}, Kind: Money, Value: "272909100.09"}},
	}
}

// TestCSV: BOM, the delimiter, text always quoted (leading zeros kept by an
// import that honours quotes), formulas defused, numbers plain, no totals.
func TestCSV(t *testing.T) {
	for _, d := range []rune{',', ';'} {
		var buf bytes.Buffer
		if err := sample().WriteCSV(&buf, CSVOptions{Delimiter: d}); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			t.Fatalf("no BOM: %q", b[:8])
		}
		if !bytes.Contains(b, []byte(`"070340086000"`)) {
			t.Errorf("BIN not quoted: %s", b)
		}
		r := csv.NewReader(bytes.NewReader(b[3:]))
		r.Comma = d
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || recs[0][0] != "bin" || recs[1][1] != "Кинотеатр «Арман»; ұлт" || recs[1][5] != "272909100.10" {
			t.Errorf("delimiter %q: %q", d, recs)
		}
		if recs[2][1] != `'=HYPERLINK("x")` || recs[2][5] != "-0.01" {
			t.Errorf("formula not defused or number touched: %q", recs[2])
		}
	}
	var buf bytes.Buffer
	if err := sample().WriteTotalsCSV(&buf, CSVOptions{Delimiter: ';'}, []string{"party", "bin"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimPrefix(buf.String(), bom); got != "party;bin;gross\r\n\"Қазақфильм АҚ\";\"070340086000\";272909100.09\r\n" {
		t.Errorf("totals csv %q", got)
	}
}

type dump struct {
	Title  string `json:"title"`
	Sheets []struct {
		Name   string `json:"name"`
		Freeze string `json:"freeze"`
		Filter string `json:"filter"`
		Rows   [][]struct {
			V  any    `json:"v"`
			T  string `json:"t"`
			F  string `json:"f"`
			Py string `json:"py"`
		} `json:"rows"`
	} `json:"sheets"`
}

// OpenWithOpenpyxl writes xlsx to a file and returns what openpyxl reads.
// Without python3-openpyxl the test is skipped, unless CI is set.
func openWithOpenpyxl(t *testing.T, xlsx []byte) dump {
	t.Helper()
	script, err := filepath.Abs("testdata/openpyxl_dump.py")
	if err != nil {
		t.Fatal(err)
	}
	// Debian's python3-openpyxl lives in the system python, which a
	// pyenv or venv python3 earlier on PATH does not see.
	var py string
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import openpyxl").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 with openpyxl (Debian python3-openpyxl) is required under CI")
		}
		t.Skip("python3-openpyxl not installed")
	}
	p := filepath.Join(t.TempDir(), "t.xlsx")
	if err := os.WriteFile(p, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, p).Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var d dump
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestXLSXInOpenpyxl: a real spreadsheet reader sees numbers as numbers,
// dates as dates, BINs as text with their leading zero, Cyrillic and Kazakh
// letters intact, a frozen header row with filters, totals on their own sheet.
func TestXLSXInOpenpyxl(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().WriteXLSX(&buf, "Отчёт", "Строки"); err != nil {
		t.Fatal(err)
	}
	d := openWithOpenpyxl(t, buf.Bytes())
	if len(d.Sheets) != 2 || d.Sheets[0].Name != "Отчёт" || d.Sheets[1].Name != "Строки" {
		t.Fatalf("sheets: %+v", d.Sheets)
	}
	if d.Title != "Отчёт о взаиморасчётах" {
		t.Errorf("title %q", d.Title)
	}
	data := d.Sheets[1]
	if data.Freeze != "A2" || strings.ReplaceAll(data.Filter, "$", "") != "A1:G3" {
		t.Errorf("freeze %q filter %q", data.Freeze, data.Filter)
	}
	if len(data.Rows) != 3 {
		t.Fatalf("rows %d (a totals row among the data?)", len(data.Rows))
	}
	h, r := data.Rows[0], data.Rows[1]
	if h[1].V != "Название" || h[5].V != "Валовой сбор" {
		t.Errorf("headers %v", h)
	}
	if r[0].V != "070340086000" || r[0].T != "s" {
		t.Errorf("BIN cell %+v", r[0])
	}
	if r[1].V != "Кинотеатр «Арман»; ұлт" {
		t.Errorf("name %+v", r[1])
	}
	if r[2].Py != "datetime" || r[2].V != "2026-11-05T00:00:00" {
		t.Errorf("date cell %+v", r[2])
	}
	if r[3].Py != "datetime" || r[3].F != "yyyy-mm" {
		t.Errorf("month cell %+v", r[3])
	}
	if r[4].T != "n" || r[4].V != float64(1465) {
		t.Errorf("admissions %+v", r[4])
	}
	if r[5].T != "n" || r[5].V != 272909100.10 || r[5].F != "#,##0.00" {
		t.Errorf("gross %+v", r[5])
	}
	if data.Rows[2][5].V != -0.01 {
		t.Errorf("negative money %+v", data.Rows[2][5])
	}
	var sawTotal, sawBIN bool
	for _, row := range d.Sheets[0].Rows {
		if len(row) >= 2 && row[0].V == "Валовой сбор" && row[1].V == 272909100.09 && row[1].T == "n" {
			sawTotal = true
		}
		if len(row) >= 2 && row[1].V == "070340086000" {
			sawBIN = true
		}
	}
	if !sawTotal || !sawBIN {
		t.Errorf("summary sheet lacks the total or the BIN: %+v", d.Sheets[0].Rows)
	}
}

// TestCSVInGnumeric opens the CSV in a real spreadsheet program: Gnumeric's
// ssconvert (Debian gnumeric, installed by scripts/ensure-test-tools.sh)
// converts it, BOM and quoting included, to XLSX, which openpyxl reads back:
// numbers are numbers and Cyrillic and Kazakh text is intact. (BINs in CSV
// are quoted text; a spreadsheet keeps their leading zero only when the
// column is imported as text, as the README says.)
func TestCSVInGnumeric(t *testing.T) {
	ssconvert := tooltest.Need(t, "ssconvert", "Debian package gnumeric")
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := sample().WriteCSV(&buf, CSVOptions{Delimiter: ','}); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "export.csv"), filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ssconvert, "--export-type=Gnumeric_Excel:xlsx2", in, out)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ssconvert: %v\n%s", err, b)
	}
	x, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	d := openWithOpenpyxl(t, x)
	if len(d.Sheets) != 1 || len(d.Sheets[0].Rows) != 3 {
		t.Fatalf("sheets: %+v", d.Sheets)
	}
	h, r := d.Sheets[0].Rows[0], d.Sheets[0].Rows[1]
	if h[0].V != "bin" {
		t.Errorf("header %+v (a BOM left in the first cell?)", h[0])
	}
	if r[1].V != "Кинотеатр «Арман»; ұлт" {
		t.Errorf("text cell %+v", r[1])
	}
	if r[4].T != "n" || r[4].V != float64(1465) {
		t.Errorf("admissions %+v, want the number 1465", r[4])
	}
	if r[5].T != "n" || r[5].V != 272909100.10 {
		t.Errorf("gross %+v, want the number 272909100.10", r[5])
	}
	if d.Sheets[0].Rows[2][5].V != -0.01 {
		t.Errorf("negative money %+v", d.Sheets[0].Rows[2][5])
	}
}
