package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecinema/settlement"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestStatementWireGolden pins the JSON of GET /v1/statements for the
// statements settlement's TestGoldenStatements computes (read from its
// *.struct.json golden files): a producer's (recoupment shown), an
// exhibitor's (recoupment and producer_share left out), a rights holder's
// royalty statement, and the exhibitor's again with its month closed by an
// entry (close_entry_seq).
func TestStatementWireGolden(t *testing.T) {
	for _, c := range []struct{ party, golden string }{
		{"prod-a", "statement_prod-a_2026-01.json"},
		{"exh-1", "statement_exh-1_2026-01.json"},
		{"rh-composer", "statement_rh-composer_2026-01.json"},
		{"exh-1", "statement_exh-1_2026-01_closed.json"},
	} {
		in, err := os.ReadFile(filepath.Join("..", "settlement", "testdata", "statement_"+c.party+"_2026-01.struct.json"))
		if err != nil {
			t.Fatal(err)
		}
		var st settlement.Statement
		if err := json.Unmarshal(in, &st); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(c.golden, "_closed.json") {
			seq := int64(7)
			st.Periods[0].Closed, st.Periods[0].EntrySeq = true, &seq
		}
		got, err := json.MarshalIndent(statementWire(&st), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		p := filepath.Join("testdata", c.golden)
		if *update {
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./api -run StatementWireGolden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file:\n%s\nwant:\n%s", c.golden, got, want)
		}
	}
}
