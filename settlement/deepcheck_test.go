package settlement

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// TestDeepCheck: verify --deep rebuilds fiscal totals and period closes from
// the entries and finds tampered frozen lines, party totals and fiscal rows.
func TestDeepCheck(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.addSales("cin-2", "film-b", "2026-01-10", "2026-01-10", "1000.00", 1)
	if _, err := f.close("2026-01"); err != nil {
		t.Fatal(err)
	}
	f.addSales("cin-1", "film-1", "2026-01-12", "2026-01-12", "500.00", 1)
	if _, err := f.close("2026-02"); err != nil {
		t.Fatal(err)
	}
	n := int64(4)
	recs, _ := ParseFiscalRecords([]FiscalRecordBody{{BIN: f.bins["exh-1"], Date: "2026-01-09", Amount: "9300.00", Receipts: &n}})
	if _, err := f.svc.UploadFiscalTotals(ctx, "system", recs); err != nil {
		t.Fatal(err)
	}
	recs[0].Receipts = 5
	if _, err := f.svc.UploadFiscalTotals(ctx, "system", recs); err != nil {
		t.Fatal(err)
	}
	signerKey, verifierKey, err := ledger.GenerateKey("ecinema-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(signerKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := ledger.NewPublisher(f.pool, ledger.PublisherConfig{Signer: signer, Origin: "ecinema.test/ledger"})
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(verifierKey)
	if err != nil {
		t.Fatal(err)
	}
	owner := pgtest.OwnerPool(t, f.url)
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
			Deep: []ledger.DeepCheck{NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	for _, tc := range []struct{ table, tamper, undo string }{
		{"settlement_lines", "UPDATE settlement_lines SET exhibitor_share = exhibitor_share + 1, producer_gross = producer_gross - 1, producer_share = producer_share - 1 WHERE period = '2026-01-01' AND line_no = 1",
			"UPDATE settlement_lines SET exhibitor_share = exhibitor_share - 1, producer_gross = producer_gross + 1, producer_share = producer_share + 1 WHERE period = '2026-01-01' AND line_no = 1"},
		{"settlement_lines", "UPDATE settlement_lines SET gross = gross + 1, vat = vat + 1 WHERE period = '2026-02-01'",
			"UPDATE settlement_lines SET gross = gross - 1, vat = vat - 1 WHERE period = '2026-02-01'"},
		{"settlement_party_totals", "UPDATE settlement_party_totals SET totals_hash = repeat('0', 64) WHERE party_id = 'prod-a' AND period = '2026-01-01'",
			"UPDATE settlement_party_totals t SET totals_hash = encode(sha256(convert_to(totals_json, 'UTF8')), 'hex') WHERE party_id = 'prod-a'"},
		{"fiscal_totals", "UPDATE fiscal_totals SET amount = 1", "UPDATE fiscal_totals SET amount = 9300"},
	} {
		if _, err := owner.Exec(ctx, tc.tamper); err != nil {
			t.Fatal(err)
		}
		err := verify()
		var ve *ledger.VerifyError
		if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.Contains(ve.Detail, tc.table) {
			t.Fatalf("after %q: verify = %v, want a mismatch in %s", tc.tamper, err, tc.table)
		}
		if _, err := owner.Exec(ctx, tc.undo); err != nil {
			t.Fatal(err)
		}
	}
	if err := verify(); err != nil {
		t.Fatalf("after undoing: %v", err)
	}
}
