package settlement

import (
	"context"
	"ecinema/internal/pgtest"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"

	"ecinema/i18n"
	"ecinema/tabular"
	"ecinema/validate"
)

func TestFiscalParsing(t *testing.T) {
	good := validBIN("10010000004")
	bad := good[:11] + string('0'+(good[11]-'0'+1)%10)
	n := int64(3)
	_, err := ParseFiscalRecords([]FiscalRecordBody{
		{BIN: bad, Date: "2026-01-09", Amount: "100.00", Receipts: &n},
		{BIN: good, Date: "2026-13-01", Amount: "1.234", Receipts: nil},
		{BIN: good, Date: "2026-01-09", Amount: "1.00", Receipts: &n},
		{BIN: good, Date: "2026-01-09", Amount: "2.00", Receipts: &n},
	})
	var ve *validate.Errors
	if !errors.As(err, &ve) {
		t.Fatalf("want validation errors, got %v", err)
	}
	codes := map[string]string{}
	for _, f := range ve.Fields {
		codes[f.Field] = f.Code
	}
	want := map[string]string{"records[0].bin": "invalid_bin", "records[1].date": "invalid_date",
		"records[1].amount": "invalid_amount", "records[1].receipts": "required", "records[3].date": "duplicate"}
	for k, v := range want {
		if codes[k] != v {
			t.Errorf("%s: code %q want %q (all %v)", k, codes[k], v, codes)
		}
	}
	recs, err := ParseFiscalCSV(strings.NewReader("bin,date,amount,receipts\n" + good + ",2026-01-09,9300.00,4\n" + good + ",2026-01-10,0.00,0\n"))
	if err != nil || len(recs) != 2 || !recs[0].Amount.Equal(d("9300")) || recs[0].Receipts != 4 {
		t.Fatalf("csv: %+v %v", recs, err)
	}
	if _, err := ParseFiscalCSV(strings.NewReader("bin,amount\n1,2\n")); !errors.As(err, &ve) {
		t.Fatalf("missing columns: %v", err)
	}
}

// TestReconciliation produces all five statuses, checks supersession and
// the tolerance, and that the VAT summary agrees with the reconciliation.
func TestReconciliation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b1, b2 := f.bins["exh-1"], f.bins["exh-2"]
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4) // exh-1, VAT payer
	f.addSales("cin-1", "film-1", "2026-01-10", "2026-01-10", "5000.00", 2)
	f.addSales("cin-1", "film-1", "2026-01-11", "2026-01-11", "2500.00", 1)
	f.addSales("cin-1", "film-1", "2026-01-12", "2026-01-12", "1800.00", 1)
	f.addSales("cin-2", "film-1", "2026-01-09", "2026-01-09", "4000.00", 2) // exh-2, non-payer
	f.addSales("cin-1", "film-1", "2026-01-14", "2025-12-31", "2500.00", 1) // presale at 12%
	n := func(v int64) *int64 { return &v }
	recs, err := ParseFiscalRecords([]FiscalRecordBody{
		{BIN: b1, Date: "2026-01-09", Amount: "9300.00", Receipts: n(4)}, // match
		{BIN: b1, Date: "2026-01-10", Amount: "4000.00", Receipts: n(1)}, // under (superseded below)
		{BIN: b1, Date: "2026-01-11", Amount: "2600.00", Receipts: n(2)}, // over
		{BIN: b1, Date: "2026-01-13", Amount: "700.00", Receipts: n(1)},  // no ledger data
		{BIN: b2, Date: "2026-01-09", Amount: "4000.01", Receipts: n(2)}, // over by 0.01
		{BIN: b1, Date: "2025-12-31", Amount: "2500.00", Receipts: n(1)}, // match
	})
	if err != nil {
		t.Fatal(err)
	}
	up, err := f.svc.UploadFiscalTotals(ctx, "system", recs)
	if err != nil || up.Accepted != 6 || up.Superseded != 0 {
		t.Fatalf("upload: %+v %v", up, err)
	}
	// A new upload for the same BIN and date supersedes: now 4999.00, under by 1.00.
	recs2, _ := ParseFiscalRecords([]FiscalRecordBody{{BIN: b1, Date: "2026-01-10", Amount: "4999.00", Receipts: n(2)}})
	up2, err := f.svc.UploadFiscalTotals(ctx, "system", recs2)
	if err != nil || up2.Superseded != 1 || up2.Entry.Seq <= up.Entry.Seq {
		t.Fatalf("second upload: %+v %v", up2, err)
	}
	var kind string
	pgtest.Row(t, f.pool, `SELECT kind FROM ledger_entries WHERE seq = $1`, up2.Entry.Seq).Scan(&kind)
	if kind != "fiscal_totals" {
		t.Fatalf("entry kind %q", kind)
	}

	q := TaxQuery{From: date(2025, 12, 1), To: date(2026, 1, 31), Tolerance: decimal.Zero}
	rec, err := f.svc.Reconciliation(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rows := rec.Rows
	type want struct{ ledger, vat, fiscal, diff, status string }
	expect := map[string]want{
		b1 + " 2025-12-31": {"2500.00", "267.86", "2500.00", "0.00", statusMatch},
		b1 + " 2026-01-09": {"9300.00", "1282.76", "9300.00", "0.00", statusMatch},
		b1 + " 2026-01-10": {"5000.00", "689.66", "4999.00", "-1.00", statusUnderReported},
		b1 + " 2026-01-11": {"2500.00", "344.83", "2600.00", "100.00", statusOverReported},
		b1 + " 2026-01-12": {"1800.00", "248.28", "", "-1800.00", statusNoFiscalData},
		b1 + " 2026-01-13": {"0.00", "0.00", "700.00", "700.00", statusNoLedgerData},
		b2 + " 2026-01-09": {"4000.00", "0.00", "4000.01", "0.01", statusOverReported},
	}
	if len(rows) != len(expect) {
		t.Fatalf("rows %d: %+v", len(rows), rows)
	}
	statuses := map[string]bool{}
	for _, r := range rows {
		k := r.BIN + " " + day(r.Date)
		w, ok := expect[k]
		if !ok {
			t.Errorf("unexpected row %s", k)
			continue
		}
		fa := ""
		if r.HasFiscal {
			fa = money(r.FiscalAmount)
		}
		if money(r.LedgerGross) != w.ledger || money(r.LedgerVAT) != w.vat || fa != w.fiscal || money(r.Difference) != w.diff || r.Status != w.status {
			t.Errorf("%s: %+v want %+v", k, r, w)
		}
		statuses[r.Status] = true
	}
	if len(statuses) != 5 {
		t.Errorf("statuses seen: %v", statuses)
	}
	// The totals are the reconciliation's, computed with its rows.
	tot := rec.Totals
	if money(tot.LedgerGross) != "25100.00" || money(tot.LedgerVAT) != "2833.39" || money(tot.FiscalAmount) != "24099.01" ||
		money(tot.Difference) != "-1000.99" || !maps.Equal(tot.Statuses, map[string]int{statusMatch: 2, statusUnderReported: 1,
		statusOverReported: 2, statusNoFiscalData: 1, statusNoLedgerData: 1}) {
		t.Errorf("totals %+v", tot)
	}
	// A tolerance of 1.00 turns the 1.00 and 0.01 differences into matches.
	q.Tolerance = d("1.00")
	rec, _ = f.svc.Reconciliation(ctx, q)
	rows = rec.Rows
	for _, r := range rows {
		k := r.BIN + " " + day(r.Date)
		if (k == b1+" 2026-01-10" || k == b2+" 2026-01-09") && r.Status != statusMatch {
			t.Errorf("%s with tolerance: %s", k, r.Status)
		}
		if k == b1+" 2026-01-11" && r.Status != statusOverReported {
			t.Errorf("%s with tolerance: %s", k, r.Status)
		}
	}
	// One BIN only.
	q.BIN, q.Tolerance = b2, decimal.Zero
	rec, _ = f.svc.Reconciliation(ctx, q)
	rows = rec.Rows
	if len(rows) != 1 || rows[0].BIN != b2 || rows[0].ExhibitorIDs != "exh-2" {
		t.Fatalf("bin filter: %+v", rows)
	}
	var sb strings.Builder
	if err := ReconTable(rec, q, i18n.RU).WriteCSV(&sb, tabular.CSVOptions{Delimiter: ';'}); err != nil ||
		!strings.Contains(sb.String(), `;"over_reported"`+"\r\n") || !strings.Contains(sb.String(), `"`+b2+`"`) {
		t.Fatalf("csv: %q %v", sb.String(), err)
	}

	// VAT summary for January by sale date.
	sums, err := f.svc.VATSummaries(ctx, TaxQuery{From: date(2026, 1, 1), To: date(2026, 1, 31)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums[0].ExhibitorID != "exh-1" {
		t.Fatalf("summaries: %+v", sums)
	}
	eq(t, "exh-1 gross", sums[0].Gross, "18600.00")
	eq(t, "exh-1 vat", sums[0].VAT, "2565.53") // 1282.76 + 689.66 + 344.83 + 248.28
	eq(t, "exh-1 net", sums[0].Net, "16034.47")
	if len(sums[0].ByRate) != 1 || !sums[0].ByRate[0].Rate.Equal(d("16")) {
		t.Errorf("by rate: %+v", sums[0].ByRate)
	}
	eq(t, "exh-2 vat", sums[1].VAT, "0")
	dec, _ := f.svc.VATSummaries(ctx, TaxQuery{From: date(2025, 12, 1), To: date(2026, 1, 31), ExhibitorID: "exh-1"})
	if len(dec) != 1 || len(dec[0].ByRate) != 2 {
		t.Fatalf("two rates: %+v", dec)
	}
	eq(t, "12% part", dec[0].ByRate[0].VAT, "267.86")
}

// TestFiscalCSVRussianExcel: what Excel in a Russian locale saves — Windows-1251,
// semicolons, Russian headers, decimal commas with grouped thousands,
// DD.MM.YYYY, a BIN without its leading zero, an empty row — reads like the
// plain CSV.
func TestFiscalCSVRussianExcel(t *testing.T) {
	bin0 := validBIN("07034008600")
	other := validBIN("10010000004")
	plain := "bin,date,amount,receipts\n" + bin0 + ",2026-11-05,1234.50,7\n" + other + ",2026-11-06,-10.00,0\n"
	want, err := ParseFiscalCSV(strings.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	ru := "БИН;Дата;Сумма;Чеки\r\n" + bin0[1:] + ";05.11.2026;1 234,50;7\r\n;;;\r\n\"" + other + "\";6.11.2026;-10,00;0\r\n"
	cp1251, err := charmap.Windows1251.NewEncoder().String(ru)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"windows-1251": cp1251, "utf-8 bom": "\ufeff" + ru, "utf-8": ru,
		"utf-8 nbsp": strings.ReplaceAll(ru, "1 234", "1\u00a0234")} {
		got, err := ParseFiscalCSV(strings.NewReader(body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d records", name, len(got))
			continue
		}
		for i := range want {
			if got[i].BIN != want[i].BIN || !got[i].Date.Equal(want[i].Date) || !got[i].Amount.Equal(want[i].Amount) || got[i].Receipts != want[i].Receipts {
				t.Errorf("%s record %d: %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
	// A date Excel did not write, or a BIN that is wrong with the zero too, is still refused.
	if _, err := ParseFiscalCSV(strings.NewReader("БИН;Дата;Сумма;Чеки\n" + bin0 + ";2026/11/05;1,00;1\n")); err == nil {
		t.Error("bad date accepted")
	}
	if _, err := ParseFiscalCSV(strings.NewReader("БИН;Дата;Сумма;Чеки\n12345678901;05.11.2026;1,00;1\n")); err == nil {
		t.Error("11-digit non-BIN accepted")
	}
}
