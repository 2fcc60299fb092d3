package api_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"ecinema/ingest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
)

// TestSettlementDeepVerify: after sales, a refund, a close, a late sale, a
// second close and fiscal uploads made through the API, verify --deep with
// the registry, ingest and settlement rebuilds (in that order) recomputes
// every period close from the rebuilt rollup and finds a tampered frozen row.
func TestSettlementDeepVerify(t *testing.T) {
	w := newStWorld(t)
	w.screening(t, "s1", "film-a", w.at(2026, 1, 9, 19, 0))
	w.sell(t, "s1", stTicket("t1", w.at(2026, 1, 9, 12, 0), "2500.00", "A1"), stTicket("t2", w.at(2025, 12, 30, 12, 0), "1800.00", "A2"))
	w.idem++
	if r := w.Do("POST", "/v1/refunds", w.pos, map[string]any{"screening_id": "s1",
		"tickets": []map[string]string{{"id": "t1", "refunded_at": w.at(2026, 1, 9, 13, 0)}}}, "Idempotency-Key", "k"+strconv.Itoa(w.idem)); r.Status != 201 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := w.Do("POST", "/v1/periods/2026-01/close", w.AdminKey, nil); r.Status != 201 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	w.sell(t, "s1", stTicket("t3", w.at(2026, 1, 9, 18, 0), "2500.00", "A3"))
	w.screening(t, "s2", "film-a", w.at(2026, 2, 3, 19, 0))
	w.sell(t, "s2", stTicket("t4", w.at(2026, 2, 3, 12, 0), "3000.00", "B1"))
	if r := w.Do("POST", "/v1/periods/2026-02/close", w.AdminKey, nil); r.Status != 201 {
		t.Fatalf("close feb: %d %s", r.Status, r.Body)
	}
	w.sell(t, "s1", stTicket("t5", w.at(2026, 1, 9, 18, 5), "1000.00", "A5")) // pending adjustment for March
	tax := w.Key("tax", "", "")
	if r := w.Do("POST", "/v1/tax/fiscal-totals", tax, "bin,date,amount,receipts\n"+w.bins["exh"]+",2026-01-09,2500.00,1\n",
		"Content-Type", "text/csv"); r.Status != 201 {
		t.Fatalf("fiscal: %d %s", r.Status, r.Body)
	}
	ctx := context.Background()
	if _, err := w.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(w.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	owner := pgtest.OwnerPool(t, w.DBURL)
	// The order of the checks does not matter (cmd/ecinema runs settlement before ingest).
	order := 0
	verify := func() error {
		order++
		deep := []ledger.DeepCheck{registry.NewDeepCheck(), ingest.NewDeepCheck(), settlement.NewDeepCheck()}
		if order%2 == 0 {
			deep = []ledger.DeepCheck{registry.NewDeepCheck(), settlement.NewDeepCheck(), ingest.NewDeepCheck()}
		}
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger", Deep: deep})
		return err
	}
	for range 2 {
		if err := verify(); err != nil {
			t.Fatalf("untouched (order %d): %v", order, err)
		}
	}
	for _, tc := range []struct{ table, tamper, undo string }{
		{"settlement_lines", "UPDATE settlement_lines SET film_title = 'x' WHERE period = '2026-02-01' AND line_no = 1",
			"UPDATE settlement_lines SET film_title = 'Прощай, Гульсары' WHERE period = '2026-02-01' AND line_no = 1"},
		{"settlement_settled", "UPDATE settlement_settled SET gross = gross + 1 WHERE period = '2026-01-01'",
			"UPDATE settlement_settled SET gross = gross - 1 WHERE period = '2026-01-01'"},
		{"settlement_lines", "UPDATE settlement_lines SET recoupment = recoupment + 1, producer_share = producer_share - 1 WHERE period = '2026-01-01'",
			"UPDATE settlement_lines SET recoupment = recoupment - 1, producer_share = producer_share + 1 WHERE period = '2026-01-01'"},
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
