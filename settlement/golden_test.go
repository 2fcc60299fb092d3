package settlement

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"ecinema/tabular"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./settlement -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestGoldenStatements pins the computed statement (the plain struct, as
// encoding/json writes it without tags) and its CSV form for a producer
// statement (the worked example, a 12% presale, a non-VAT-payer cinema,
// week 3 terms and recoupment), an exhibitor's and a rights holder's
// royalty statement. The API's JSON of these statements is pinned by
// api's TestStatementWireGolden, which reads the *.struct.json files.
func TestGoldenStatements(t *testing.T) {
	f := exportFixture(t)
	for _, party := range []string{"prod-a", "exh-1", "rh-composer"} {
		st := f.statement(party, "2026-01-01", "2026-01-31")
		st.Ledger = LedgerRef{} // the tree's root depends on the entries' times
		js, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "statement_"+party+"_2026-01.struct.json", append(js, '\n'))
		var buf bytes.Buffer
		if err := st.WriteCSV(&buf, tabular.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
		golden(t, "statement_"+party+"_2026-01.csv", buf.Bytes())
		buf.Reset()
		if err := st.WriteTotalsCSV(&buf, tabular.CSVOptions{Delimiter: ';'}); err != nil {
			t.Fatal(err)
		}
		golden(t, "statement_"+party+"_2026-01_totals.csv", buf.Bytes())
	}
}
