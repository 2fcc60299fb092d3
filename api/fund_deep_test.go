package api_test

import (
	"testing"

	"ecinema/culture/fund"
)

// TestFundDeepCheckFindsTamperingUndone: a decision is checked under the
// head lock against the call's budget and awards and the application's
// amount, reviews and earlier decision, and copies the application's call
// and BIN; a payment against the grant's award, payments and date, and
// copies the grant's call and BIN. A row changed for one such write and
// put back leaves every projection equal to its rebuild; verify --deep
// reports the entry that breaks the rules (exit status 1).
func TestFundDeepCheckFindsTamperingUndone(t *testing.T) {
	award := func(amount string) map[string]any { return map[string]any{"award": true, "amount": amount} }
	pay := func(amount, date string) map[string]any {
		return map[string]any{"amount": amount, "date": date, "milestone": "episodes 1-4", "export_revenue": "0"}
	}
	type fixture struct {
		*fundWorld
		a1, a2, a3, a4, grant string
	}
	for _, tc := range []struct {
		name, tamper, undo string // %[1]s: the first application (awarded the grant %[4]s), %[2]s, %[3]s, %[5]s the others
		setup, write       func(f *fixture, t *testing.T)
		table, detail      string
	}{
		{name: "the budget of a call", tamper: `UPDATE fund_calls SET budget = 9000000 WHERE id = 'c1'`, undo: `UPDATE fund_calls SET budget = 5000000 WHERE id = 'c1'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "award", f.Do("POST", "/v1/fund/applications/"+f.a2+"/decision", f.officer, award("2000000.00")), 201, "")
			},
			table: "fund_calls", detail: `^award entry \d+: call "c1" had awarded 4000000.00 of its 5000000.00 budget; grant "grant-\S+" of 2000000.00 exceeds it$`},
		{name: "the amount an application requested", tamper: `UPDATE fund_applications SET amount_requested = 3000 WHERE id = '%[3]s'`,
			undo: `UPDATE fund_applications SET amount_requested = 1000 WHERE id = '%[3]s'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "award", f.Do("POST", "/v1/fund/applications/"+f.a3+"/decision", f.officer, award("3000.00")), 201, "")
			},
			table: "fund_applications", detail: `^award entry \d+: grant "grant-\S+" of 3000.00 is more than the 1000.00 application "\S+" requested$`},
		{name: "the reviews of an application", tamper: `INSERT INTO fund_reviews SELECT application_id, 'e9', version, scores, conflict_of_interest, comment, weighted, recorded_at
FROM fund_reviews WHERE application_id = '%[5]s' LIMIT 1`, undo: `DELETE FROM fund_reviews WHERE expert_id = 'e9'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "reject", f.Do("POST", "/v1/fund/applications/"+f.a4+"/decision", f.officer, map[string]any{"award": false}), 201, "")
			},
			table: "fund_reviews", detail: `^fund_rejection entry \d+: application "\S+" has 2 reviews without a conflict of interest; a decision needs 3$`},
		{name: "the call of an application", tamper: `UPDATE fund_applications SET call_id = 'c2' WHERE id = '%[2]s'`, undo: `UPDATE fund_applications SET call_id = 'c1' WHERE id = '%[2]s'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "award", f.Do("POST", "/v1/fund/applications/"+f.a2+"/decision", f.officer, award("2000000.00")), 201, "")
			},
			table: "fund_applications", detail: `^fund_award entry \d+: application "\S+" states call "c2" and BIN \d+; the application is of call "c1" by BIN \d+$`},
		{name: "an application decided twice", tamper: `DELETE FROM fund_decisions WHERE application_id = '%[1]s'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "reject", f.Do("POST", "/v1/fund/applications/"+f.a1+"/decision", f.officer, map[string]any{"award": false}), 201, "")
			},
			table: "fund_decisions", detail: `^fund_rejection entry \d+: application "\S+" was decided before, by entry \d+$`},
		{name: "the amount of a grant", tamper: `UPDATE fund_grants SET amount = amount + 1000000 WHERE id = '%[4]s'`, undo: `UPDATE fund_grants SET amount = amount - 1000000 WHERE id = '%[4]s'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "pay", f.Do("POST", "/v1/fund/grants/"+f.grant+"/disbursements", f.officer, pay("4500000.00", day(f.today, 0))), 201, "")
			},
			table: "fund_grants", detail: `^disbursement entry \d+: grant "\S+" of 4000000.00 \(entry \d+\) had 0.00 paid; 4500000.00 more exceed the award$`},
		{name: "the payments of a grant", tamper: `UPDATE fund_disbursements SET amount = 0.01 WHERE grant_id = '%[4]s'`, undo: `UPDATE fund_disbursements SET amount = 3000000 WHERE grant_id = '%[4]s' AND amount = 0.01`,
			setup: func(f *fixture, t *testing.T) {
				expect(t, "pay", f.Do("POST", "/v1/fund/grants/"+f.grant+"/disbursements", f.officer, pay("3000000.00", day(f.today, 0))), 201, "")
			},
			write: func(f *fixture, t *testing.T) {
				expect(t, "pay", f.Do("POST", "/v1/fund/grants/"+f.grant+"/disbursements", f.officer, pay("3000000.00", day(f.today, 0))), 201, "")
			},
			table: "fund_grants", detail: `^disbursement entry \d+: grant "\S+" of 4000000.00 \(entry \d+\) had 3000000.00 paid; 3000000.00 more exceed the award$`},
		{name: "the award date of a grant", tamper: `UPDATE fund_grants SET awarded_on = awarded_on - 10 WHERE id = '%[4]s'`, undo: `UPDATE fund_grants SET awarded_on = awarded_on + 10 WHERE id = '%[4]s'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "pay", f.Do("POST", "/v1/fund/grants/"+f.grant+"/disbursements", f.officer, pay("1000.00", day(f.today, -5))), 201, "")
			},
			table: "fund_grants", detail: `^disbursement entry \d+: payment of grant "\S+" dated \S+, before its award \(entry \d+\) on \S+$`},
		{name: "the BIN of a grant", tamper: `UPDATE fund_grants SET bin = '` + otherCo + `' WHERE id = '%[4]s'`, undo: `UPDATE fund_grants SET bin = '` + companyBIN + `' WHERE id = '%[4]s'`,
			write: func(f *fixture, t *testing.T) {
				expect(t, "pay", f.Do("POST", "/v1/fund/grants/"+f.grant+"/disbursements", f.officer, pay("1000.00", day(f.today, 0))), 201, "")
			},
			table: "fund_grants", detail: `^disbursement entry \d+: grant "\S+" states call "c1" and BIN ` + otherCo + `; its award entry \d+ made call "c1" and BIN ` + companyBIN + `$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newFundWorld(t)
			expect(t, "call c2", w.Do("PUT", "/v1/fund/calls/c2", w.officer, callBody("90000000.00", day(w.today, -10), day(w.today, 10))), 200, "")
			f := &fixture{fundWorld: w}
			f.a1, f.a2, f.a3, f.a4 = w.apply(t, w.company, "4000000.00"), w.apply(t, w.company, "2000000.00"), w.apply(t, w.company, "1000.00"), w.apply(t, w.company, "1000.00")
			w.review(t, f.a1, "e1", "e2", "e3")
			w.review(t, f.a2, "e1", "e2", "e3")
			w.review(t, f.a3, "e1", "e2", "e3")
			w.review(t, f.a4, "e1", "e2")
			res := w.Do("POST", "/v1/fund/applications/"+f.a1+"/decision", w.officer, award("4000000.00"))
			expect(t, "award", res, 201, "")
			var d struct {
				GrantID string `json:"grant_id"`
			}
			res.JSON(t, &d)
			f.grant = d.GrantID
			if tc.setup != nil {
				tc.setup(f, t)
			}
			args := func(s string) string { return sprintfArgs(s, f.a1, f.a2, f.a3, f.grant, f.a4) }
			tamperUndone(t, w.Env, fund.NewDeepCheck(), args(tc.tamper), func() { tc.write(f, t) }, args(tc.undo), tc.table, tc.detail)
		})
	}
}
