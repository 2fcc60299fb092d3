package fund

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// deepState is what the decision and payment rules read, for verify
// --deep. The rules run under the head lock on the tables (the call's
// budget and its awards, the application's call, BIN, amount and
// reviews, the grant's award and payments), and a decision or payment
// copies the application's or the grant's call and BIN; a row changed for
// one write and put back at once leaves every projection equal to its
// rebuild, but an entry that breaks the rules. The awards and payments
// are re-derived from the entries before each one; the calls,
// applications and reviews are not ledger entries, so they are read as
// they stand: a call's budget never falls below its awards, an
// application never changes, and its reviews close with its decision, so
// the rules hold against them for every entry of an honest log.
type deepState struct {
	budgets  map[string]decimal.Decimal
	apps     map[string]deepApp
	awarded  map[string]decimal.Decimal // call → sum of its awards
	decided  map[string]int64           // application → its decision entry
	grants   map[string]*deepGrant
	payments map[string]int64 // disbursement id → entry
}

type deepApp struct {
	call, bin string
	requested decimal.Decimal
	reviews   int // without a declared conflict of interest
}

type deepGrant struct {
	call, bin, awardedOn string
	amount, paid         decimal.Decimal
	seq                  int64
}

const (
	sqlDeepBudgets = `SELECT id, budget FROM fund_calls`
	sqlDeepApps    = `SELECT a.id, a.call_id, a.bin, a.amount_requested,
  (SELECT count(*) FROM fund_reviews r WHERE r.application_id = a.id AND NOT r.conflict_of_interest)
FROM fund_applications a`
)

func loadDeepState(ctx context.Context, tx pgx.Tx) (*deepState, error) {
	st := &deepState{budgets: map[string]decimal.Decimal{}, apps: map[string]deepApp{}, awarded: map[string]decimal.Decimal{},
		decided: map[string]int64{}, grants: map[string]*deepGrant{}, payments: map[string]int64{}}
	var id string
	var budget decimal.Decimal
	rows, err := tx.Query(ctx, sqlDeepBudgets)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&id, &budget}, func() error {
			st.budgets[id] = budget
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("fund: deep check: calls: %w", err)
	}
	var a deepApp
	rows, err = tx.Query(ctx, sqlDeepApps)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&id, &a.call, &a.bin, &a.requested, &a.reviews}, func() error {
			st.apps[id] = a
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("fund: deep check: applications: %w", err)
	}
	return st, nil
}

func mismatch(table string, e ledger.Entry, format string, args ...any) error {
	return &ledger.ProjectionMismatch{Table: table, Seq: e.Seq, Detail: fmt.Sprintf(format, args...)}
}

// decision checks an award or rejection against the rules of Decide.
func (st *deepState) decision(e ledger.Entry, kind string, b decisionBody) error {
	a, ok := st.apps[b.ApplicationID]
	switch {
	case !ok:
		return mismatch("fund_applications", e, "%s entry %d: application %q is not in fund_applications", kind, e.Seq, b.ApplicationID)
	case a.call != b.CallID || a.bin != b.BIN:
		return mismatch("fund_applications", e, "%s entry %d: application %q states call %q and BIN %s; the application is of call %q by BIN %s",
			kind, e.Seq, b.ApplicationID, b.CallID, b.BIN, a.call, a.bin)
	case st.decidedBy(b.ApplicationID) >= 0:
		return mismatch("fund_decisions", e, "%s entry %d: application %q was decided before, by entry %d", kind, e.Seq, b.ApplicationID, st.decided[b.ApplicationID])
	case a.reviews < minReviews:
		return mismatch("fund_reviews", e, "%s entry %d: application %q has %d reviews without a conflict of interest; a decision needs %d", kind, e.Seq, b.ApplicationID, a.reviews, minReviews)
	}
	st.decided[b.ApplicationID] = e.Seq
	if kind != kindAward {
		return nil
	}
	amount, err := decimal.NewFromString(b.Amount)
	switch {
	case err != nil:
		return mismatch("fund_grants", e, "award entry %d: amount %q", e.Seq, b.Amount)
	case amount.GreaterThan(a.requested):
		return mismatch("fund_applications", e, "award entry %d: grant %q of %s is more than the %s application %q requested", e.Seq, b.GrantID, b.Amount, a.requested.StringFixed(2), b.ApplicationID)
	case st.grants[b.GrantID] != nil:
		return mismatch("fund_grants", e, "award entry %d: grant %q was awarded before, by entry %d", e.Seq, b.GrantID, st.grants[b.GrantID].seq)
	}
	total := st.awarded[b.CallID].Add(amount)
	if budget := st.budgets[b.CallID]; total.GreaterThan(budget) {
		return mismatch("fund_calls", e, "award entry %d: call %q had awarded %s of its %s budget; grant %q of %s exceeds it",
			e.Seq, b.CallID, st.awarded[b.CallID].StringFixed(2), budget.StringFixed(2), b.GrantID, b.Amount)
	}
	st.awarded[b.CallID] = total
	st.grants[b.GrantID] = &deepGrant{call: b.CallID, bin: b.BIN, awardedOn: b.DecidedOn, amount: amount, seq: e.Seq}
	return nil
}

// disbursement checks a payment against the rules of Disburse.
func (st *deepState) disbursement(e ledger.Entry, b disbursementBody) error {
	g := st.grants[b.GrantID]
	amount, err := decimal.NewFromString(b.Amount)
	switch {
	case g == nil:
		return mismatch("fund_grants", e, "disbursement entry %d: grant %q was never awarded", e.Seq, b.GrantID)
	case err != nil:
		return mismatch("fund_disbursements", e, "disbursement entry %d: amount %q", e.Seq, b.Amount)
	case st.paidBy(b.ID) >= 0:
		return mismatch("fund_disbursements", e, "disbursement entry %d: payment %q was recorded before, by entry %d", e.Seq, b.ID, st.payments[b.ID])
	case b.CallID != g.call || b.BIN != g.bin:
		return mismatch("fund_grants", e, "disbursement entry %d: grant %q states call %q and BIN %s; its award entry %d made call %q and BIN %s",
			e.Seq, b.GrantID, b.CallID, b.BIN, g.seq, g.call, g.bin)
	case b.Date < g.awardedOn:
		return mismatch("fund_grants", e, "disbursement entry %d: payment of grant %q dated %s, before its award (entry %d) on %s", e.Seq, b.GrantID, b.Date, g.seq, g.awardedOn)
	case g.paid.Add(amount).GreaterThan(g.amount):
		return mismatch("fund_grants", e, "disbursement entry %d: grant %q of %s (entry %d) had %s paid; %s more exceed the award",
			e.Seq, b.GrantID, g.amount.StringFixed(2), g.seq, g.paid.StringFixed(2), b.Amount)
	}
	st.payments[b.ID] = e.Seq
	g.paid = g.paid.Add(amount)
	return nil
}

// decidedBy returns the decision entry of an application, or -1.
func (st *deepState) decidedBy(app string) int64 {
	if seq, ok := st.decided[app]; ok {
		return seq
	}
	return -1
}

// paidBy returns the entry of a disbursement, or -1.
func (st *deepState) paidBy(id string) int64 {
	if seq, ok := st.payments[id]; ok {
		return seq
	}
	return -1
}
