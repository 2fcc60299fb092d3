package ticketing

import (
	"errors"
	"strings"
	"testing"

	"ecinema/ledger"
)

// TestDeepStateGateResults: verify --deep takes an in_future scan as the
// live rules write it (recorded, admitting nobody, so a later scan of its
// ticket is admitted), and a result no gate rule writes as a mismatch.
func TestDeepStateGateResults(t *testing.T) {
	st := newDeepState()
	st.tickets["t1"] = &deepTicket{venue: "v1", session: "s1", admissions: 1, saleSeq: 3}
	batch := func(seq int64, scans ...scanBody) error {
		return st.checkins(ledger.Entry{Seq: seq}, false, checkinBody{VenueID: "v1", Device: "d1", Amount: "0.00", Scans: scans})
	}
	if err := batch(5, scanBody{Nonce: "n1", Gate: "g", ScannedAt: "2099-01-01T00:00:00Z", TicketID: "t1", Result: ResultInFuture},
		scanBody{Nonce: "n2", Gate: "g", ScannedAt: "2026-12-01T10:00:00Z", TicketID: "t1", Result: ResultAdmitted}); err != nil {
		t.Fatalf("in_future then admitted: %v", err)
	}
	if st.tickets["t1"].admitted != 1 {
		t.Fatalf("t1 admitted %d times, want 1", st.tickets["t1"].admitted)
	}
	err := batch(6, scanBody{Nonce: "n3", Gate: "g", ScannedAt: "2026-12-01T10:00:00Z", TicketID: "t1", Result: "let_in"})
	var pm *ledger.ProjectionMismatch
	if !errors.As(err, &pm) || pm.Seq != 6 || !strings.Contains(pm.Detail, `recorded "let_in"`) {
		t.Fatalf("an unknown result: %v, want a mismatch at entry 6", err)
	}
}
