package settlement

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"

	"ecinema/registry"
)

// TestCloseEntryBodyPinned pins the bytes a period_close entry hashes into
// the ledger: the CloseBody and each party's statement totals body (whose
// SHA-256 the close records). They never change, or the ledger's history
// and every party's check of its statement against it break.
func TestCloseEntryBodyPinned(t *testing.T) {
	d := decimal.RequireFromString
	full := Totals{Lines: 3, Admissions: 7, Gross: d("16100"), VAT: d("1550.62"), Net: d("14549.38"), Royalty: d("145.49"),
		ExhibitorShare: d("6481.75"), DistributionFee: d("1188.32"), ProducerGross: d("6733.82"), Recoupment: d("5000"),
		ProducerShare: d("1733.82"), RoyaltyAmount: d("87.29")}
	for _, c := range []struct {
		kind, body, hash string
	}{
		{registry.KindProducer, `{"admissions":7,"distribution_fee":"1188.32","exhibitor_share":"6481.75","gross":"16100.00",` +
			`"lines":3,"net":"14549.38","producer_gross":"6733.82","producer_share":"1733.82","recoupment":"5000.00",` +
			`"royalty":"145.49","vat":"1550.62"}`, "5da467bfb2f4e8cbbe2c998a100a3b72474de90d7e69fe2161dd2b731be15d08"},
		{registry.KindExhibitor, `{"admissions":7,"distribution_fee":"1188.32","exhibitor_share":"6481.75","gross":"16100.00",` +
			`"lines":3,"net":"14549.38","producer_gross":"6733.82","royalty":"145.49","vat":"1550.62"}`,
			"8c1dc6e95c3aa12896d127a28685eff88d7865a9bc9956ae3fd816747f20f0dd"},
		{registry.KindRightsHolder, `{"lines":3,"royalty":"87.29"}`, "bd1150529c94fdd5494dfe658f80726cf859e53f155d67b41670184787c83ff6"},
	} {
		body, hash := totalsHash(c.kind, full)
		if body != c.body {
			t.Errorf("%s totals body\n got %s\nwant %s", c.kind, body, c.body)
		}
		if hash != c.hash {
			t.Errorf("%s totals hash %s, want %s", c.kind, hash, c.hash)
		}
	}
	b, err := json.Marshal(CloseBody{Period: "2026-01", LedgerSize: 42, Lines: 3, Gross: "16100.00", Parties: []PartyTotal{
		{PartyID: "exh-1", Kind: registry.KindExhibitor, TotalsHash: "ab12", totalsJSON: "{}", name: "Kinopark"},
		{PartyID: "rh-1", Kind: registry.KindRightsHolder, TotalsHash: "cd34"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"period":"2026-01","ledger_size":42,"lines":3,"gross":"16100.00","parties":[` +
		`{"party_id":"exh-1","kind":"exhibitor","totals_hash":"ab12"},{"party_id":"rh-1","kind":"rights_holder","totals_hash":"cd34"}]}`
	if string(b) != want {
		t.Errorf("close body\n got %s\nwant %s", b, want)
	}
}
