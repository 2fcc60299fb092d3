package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"ecinema/apikey"
	"ecinema/culture/fund"
	"ecinema/culture/ngo"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/ledger"
)

const (
	companyBIN = "080440123456" // fifth digit 4: a company (not in the NGO register)
	otherCo    = "060449585659"
	ieIIN      = "850314300013" // an IIN: an individual entrepreneur
)

// fundWorld is a service with an eligible NGO, an NGO without a report,
// an open call c1 of 5,000,000 and keys for every fund role.
type fundWorld struct {
	*apptest.Env
	officer, ngoKey, ngoLate, company, other, ie string
	experts                                      map[string]string
	today                                        time.Time
}

func day(t time.Time, days int) string { return t.AddDate(0, 0, days).Format(time.DateOnly) }

func callBody(budget string, opens, closes string) map[string]any {
	return map[string]any{"title": map[string]string{"kk": "Креативті жобалар 2026", "ru": "Креативные проекты 2026", "en": "Creative projects 2026"},
		"budget": budget, "opens": opens, "closes": closes, "instrument": "grant", "eligible": []string{"ngo", "company"},
		"criteria": []map[string]any{{"id": "quality", "name": "Artistic quality", "weight": 50},
			{"id": "impact", "name": "Audience and impact", "weight": 30}, {"id": "export", "name": "Export potential", "weight": 20}}}
}

func application(amount string) map[string]any {
	return map[string]any{"title": "Animated series «Алдар Көсе»", "summary": "12 episodes in kk and ru for streaming abroad",
		"amount_requested": amount, "region": "KZ-75", "sector": "animation"}
}

func scores(q, i, e int) map[string]any {
	return map[string]any{"scores": map[string]int{"quality": q, "impact": i, "export": e}, "conflict_of_interest": false, "comment": "solid"}
}

func newFundWorld(t *testing.T) *fundWorld {
	t.Helper()
	now := time.Now() // one instant: the test's dates and the fund's stay in one day and year
	return newFundWorldAt(t, func() time.Time { return now })
}

// newFundWorldAt is newFundWorld with the fund's and the NGO register's
// clock now.
func newFundWorldAt(t *testing.T, now func() time.Time) *fundWorld {
	t.Helper()
	env := apptest.New(t, func(c *app.Config) { c.Now = now })
	ctx := context.Background()
	staff := 3
	for _, bin := range []string{ngoA, ngoB} {
		if _, err := env.App.NGO.PutNGO(ctx, "admin", bin, ngo.NGO{Name: map[string]string{"kk": "Өнер қоры " + bin[:4], "ru": "Фонд искусств " + bin[:4]},
			LegalForm: "foundation", RegisteredOn: "2018-03-01", Status: "active", Region: "KZ-75", Address: "Almaty"}); err != nil {
			t.Fatal(err)
		}
	}
	due := ngo.LastDueYear(now())
	if _, err := env.App.NGO.PutReport(ctx, "k", ngoA, due, ngo.ReportInput{Staff: &staff, Volunteers: &staff}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.NGO.Submit(ctx, "k", ngoA, due); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.NGO.Decide(ctx, "admin", ngoA, due, true, ""); err != nil {
		t.Fatal(err)
	}
	w := &fundWorld{Env: env, today: now().In(kztime.Location), experts: map[string]string{}}
	w.officer = env.Key(apikey.RoleFundOfficer, "", "")
	w.ngoKey, w.ngoLate = scopedKey(t, env, apikey.RoleNGO, ngoA), scopedKey(t, env, apikey.RoleNGO, ngoB)
	w.company, w.other = scopedKey(t, env, apikey.RoleApplicant, companyBIN), scopedKey(t, env, apikey.RoleApplicant, otherCo)
	w.ie = scopedKey(t, env, apikey.RoleApplicant, ieIIN)
	for _, e := range []string{"e1", "e2", "e3", "e4"} {
		w.experts[e] = scopedKey(t, env, apikey.RoleExpert, e)
	}
	expect(t, "call c1", w.Do("PUT", "/v1/fund/calls/c1", w.officer, callBody("5000000.00", day(w.today, -10), day(w.today, 10))), 200, "")
	return w
}

func (w *fundWorld) apply(t *testing.T, key, amount string) string {
	t.Helper()
	res := w.Do("POST", "/v1/fund/calls/c1/applications", key, application(amount))
	expect(t, "apply", res, 201, "")
	var a struct{ ID, Status, ApplicantKind string }
	res.JSON(t, &a)
	return a.ID
}

func (w *fundWorld) review(t *testing.T, app string, experts ...string) {
	t.Helper()
	for _, e := range experts {
		expect(t, "review by "+e, w.Do("PUT", "/v1/fund/applications/"+app+"/reviews/"+e, w.experts[e], scores(8, 7, 9)), 200, "")
	}
}

// TestFundWorkflow walks every rule of the fund through the API: each
// refusal with its status and code and nothing stored, then the happy path,
// now and on the last evening of a year (local time; early afternoon UTC).
func TestFundWorkflow(t *testing.T) {
	t.Run("now", func(t *testing.T) { fundWorkflow(t, newFundWorld(t)) })
	t.Run("31 December", func(t *testing.T) {
		eve := time.Date(2026, 12, 31, 18, 0, 0, 0, kztime.Location)
		fundWorkflow(t, newFundWorldAt(t, func() time.Time { return eve }))
	})
}

func fundWorkflow(t *testing.T, w *fundWorld) {
	count := func(q string) int { return countRows(t, w.Env, q) }
	calls := func() int { return count("SELECT count(*) FROM fund_call_versions") }
	apps := func() int { return count("SELECT count(*) FROM fund_applications") }

	// Calls: fund_officer only, weights adding up to 100.
	bad := callBody("100.00", day(w.today, -1), day(w.today, 1))
	bad["criteria"] = []map[string]any{{"id": "quality", "name": "Quality", "weight": 60}, {"id": "impact", "name": "Impact", "weight": 30}}
	res := w.Do("PUT", "/v1/fund/calls/c2", w.officer, bad)
	expect(t, "weights 90", res, 400, "invalid_request")
	var eb struct {
		Error struct {
			Details []struct{ Field, Code string }
		}
	}
	res.JSON(t, &eb)
	if len(eb.Error.Details) != 1 || eb.Error.Details[0].Code != "weights_sum" {
		t.Errorf("weights 90 details %s", res.Body)
	}
	expect(t, "admin puts a call", w.Do("PUT", "/v1/fund/calls/c2", w.AdminKey, callBody("1.00", day(w.today, -1), day(w.today, 1))), 403, "forbidden")
	expect(t, "ngo puts a call", w.Do("PUT", "/v1/fund/calls/c2", w.ngoKey, callBody("1.00", day(w.today, -1), day(w.today, 1))), 403, "forbidden")
	bad = callBody("1.00", day(w.today, 1), day(w.today, -1))
	expect(t, "closes before opens", w.Do("PUT", "/v1/fund/calls/c2", w.officer, bad), 400, "invalid_request")
	if n := calls(); n != 1 {
		t.Fatalf("%d call versions after refusals, want 1", n)
	}
	expect(t, "closed call", w.Do("PUT", "/v1/fund/calls/old", w.officer, callBody("1000.00", day(w.today, -30), day(w.today, -1))), 200, "")

	// Applications: eligibility at once, nothing stored when refused.
	expect(t, "unknown call", w.Do("POST", "/v1/fund/calls/nope/applications", w.company, application("100.00")), 404, "not_found")
	expect(t, "closed", w.Do("POST", "/v1/fund/calls/old/applications", w.company, application("100.00")), 422, "call_closed")
	expect(t, "officer applies", w.Do("POST", "/v1/fund/calls/c1/applications", w.officer, application("100.00")), 403, "forbidden")
	a := application("100.00")
	delete(a, "title")
	expect(t, "no title", w.Do("POST", "/v1/fund/calls/c1/applications", w.company, a), 400, "invalid_request")
	a = application("100.00")
	a["region"] = "KZ-98"
	expect(t, "unknown region", w.Do("POST", "/v1/fund/calls/c1/applications", w.company, a), 422, "unknown_reference")
	notEligible := func(what, key, amount, code string) {
		t.Helper()
		res := w.Do("POST", "/v1/fund/calls/c1/applications", key, application(amount))
		expect(t, what, res, 422, "not_eligible")
		var eb struct {
			Error struct {
				Details []struct{ Field, Code string }
			}
		}
		res.JSON(t, &eb)
		for _, d := range eb.Error.Details {
			if d.Code == code {
				return
			}
		}
		t.Errorf("%s: no reason %s in %s", what, code, res.Body)
	}
	notEligible("individual entrepreneur", w.ie, "100.00", "kind_not_eligible")
	notEligible("NGO without an accepted report", w.ngoLate, "100.00", "report_missing")
	notEligible("over the budget", w.company, "5000000.01", "amount_over_budget")
	if n := apps(); n != 0 {
		t.Fatalf("%d applications stored by refused requests", n)
	}
	appNGO := w.apply(t, w.ngoKey, "2000000.00")
	appCo := w.apply(t, w.company, "4000000.00")
	var got struct {
		ApplicantKind string `json:"applicant_kind"`
		Status, BIN   string
	}
	w.Do("GET", "/v1/fund/applications/"+appCo, w.company, nil).JSON(t, &got)
	if got.ApplicantKind != "company" || got.Status != "submitted" || got.BIN != companyBIN {
		t.Errorf("company application %+v", got)
	}
	expect(t, "other applicant reads", w.Do("GET", "/v1/fund/applications/"+appCo, w.other, nil), 403, "forbidden")

	// Reviews: the expert's own path, every criterion 0..10, conflicts excluded.
	expect(t, "e1 as e2", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e2", w.experts["e1"], scores(5, 5, 5)), 403, "forbidden")
	expect(t, "score 11", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e1", w.experts["e1"], scores(11, 5, 5)), 400, "invalid_request")
	r := scores(5, 5, 5)
	r["scores"] = map[string]int{"quality": 5, "impact": 5}
	expect(t, "missing criterion", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e1", w.experts["e1"], r), 400, "invalid_request")
	r["scores"] = map[string]int{"quality": 5, "impact": 5, "export": 5, "charm": 9}
	expect(t, "unknown criterion", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e1", w.experts["e1"], r), 400, "invalid_request")
	r = scores(5, 5, 5)
	delete(r, "conflict_of_interest")
	expect(t, "no conflict flag", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e1", w.experts["e1"], r), 400, "invalid_request")
	expect(t, "unknown application", w.Do("PUT", "/v1/fund/applications/app-999/reviews/e1", w.experts["e1"], scores(5, 5, 5)), 404, "not_found")
	if n := count("SELECT count(*) FROM fund_review_versions"); n != 0 {
		t.Fatalf("%d review versions stored by refused requests", n)
	}
	w.review(t, appNGO, "e1", "e2")
	expect(t, "e3 conflicted", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e3", w.experts["e3"],
		map[string]any{"conflict_of_interest": true, "comment": "I advise this NGO"}), 200, "")
	entries0 := entries(t, w.Env)
	award := func(amount string) map[string]any { return map[string]any{"award": true, "amount": amount} }
	expect(t, "two valid reviews", w.Do("POST", "/v1/fund/applications/"+appNGO+"/decision", w.officer, award("1000.00")), 422, "not_enough_reviews")
	w.review(t, appNGO, "e4")
	var app struct {
		Reviews int
		Score   string
	}
	w.Do("GET", "/v1/fund/applications/"+appNGO, w.officer, nil).JSON(t, &app)
	if app.Reviews != 3 || app.Score != "79.00" { // 8*5 + 7*3 + 9*2 = 79
		t.Errorf("application after reviews %+v", app)
	}

	// Decisions: officer only, within the request and the call's budget.
	expect(t, "expert decides", w.Do("POST", "/v1/fund/applications/"+appNGO+"/decision", w.experts["e1"], award("1000.00")), 403, "forbidden")
	expect(t, "over the request", w.Do("POST", "/v1/fund/applications/"+appNGO+"/decision", w.officer, award("2000000.01")), 422, "amount_over_request")
	expect(t, "award without amount", w.Do("POST", "/v1/fund/applications/"+appNGO+"/decision", w.officer, map[string]any{"award": true}), 400, "invalid_request")
	if n := entries(t, w.Env); n != entries0 {
		t.Fatalf("refused decisions appended %d entries", n-entries0)
	}
	res = w.Do("POST", "/v1/fund/applications/"+appNGO+"/decision", w.officer, award("1500000.00"))
	expect(t, "award", res, 201, "")
	var dec struct {
		GrantID  string `json:"grant_id"`
		EntrySeq int64  `json:"entry_seq"`
	}
	res.JSON(t, &dec)
	if dec.GrantID == "" {
		t.Fatalf("award %s", res.Body)
	}
	expect(t, "decide twice", w.Do("POST", "/v1/fund/applications/"+appNGO+"/decision", w.officer, map[string]any{"award": false}), 409, "already_decided")
	expect(t, "review after decision", w.Do("PUT", "/v1/fund/applications/"+appNGO+"/reviews/e1", w.experts["e1"], scores(1, 1, 1)), 409, "already_decided")
	w.review(t, appCo, "e1", "e2", "e4")
	expect(t, "over the budget", w.Do("POST", "/v1/fund/applications/"+appCo+"/decision", w.officer, award("3500000.01")), 422, "budget_exceeded")
	expect(t, "lower the budget below awards", w.Do("PUT", "/v1/fund/calls/c1", w.officer, callBody("1499999.99", day(w.today, -10), day(w.today, 10))), 422, "budget_below_awarded")
	changed := callBody("5000000.00", day(w.today, -10), day(w.today, 10))
	changed["criteria"] = []map[string]any{{"id": "quality", "name": "Quality", "weight": 100}}
	expect(t, "criteria after reviews", w.Do("PUT", "/v1/fund/calls/c1", w.officer, changed), 409, "call_in_review")
	expect(t, "award the rest", w.Do("POST", "/v1/fund/applications/"+appCo+"/decision", w.officer, award("3500000.00")), 201, "")
	var call struct{ Awarded, Remaining string }
	w.Do("GET", "/v1/fund/calls/c1", w.ngoKey, nil).JSON(t, &call)
	if call.Awarded != "5000000.00" || call.Remaining != "0.00" {
		t.Errorf("call after awards %+v", call)
	}

	// Disbursements: never above the award, never before it.
	g := "/v1/fund/grants/" + dec.GrantID
	pay := func(amount, date, export string) map[string]any {
		return map[string]any{"amount": amount, "date": date, "milestone": "episodes 1-4", "export_revenue": export}
	}
	entries1 := entries(t, w.Env)
	expect(t, "over the award", w.Do("POST", g+"/disbursements", w.officer, pay("1500000.01", day(w.today, 0), "0")), 422, "disbursement_exceeds_award")
	expect(t, "before the award", w.Do("POST", g+"/disbursements", w.officer, pay("1.00", day(w.today, -1), "0")), 422, "date_before_award")
	expect(t, "dated tomorrow in Kazakhstan", w.Do("POST", g+"/disbursements", w.officer, pay("1.00", day(w.today, 1), "0")), 422, "date_in_future")
	expect(t, "no milestone", w.Do("POST", g+"/disbursements", w.officer, map[string]any{"amount": "1.00", "date": day(w.today, 0)}), 400, "invalid_request")
	expect(t, "grantee pays itself", w.Do("POST", g+"/disbursements", w.ngoKey, pay("1.00", day(w.today, 0), "0")), 403, "forbidden")
	expect(t, "unknown grant", w.Do("POST", "/v1/fund/grants/grant-x/disbursements", w.officer, pay("1.00", day(w.today, 0), "0")), 404, "not_found")
	if n := entries(t, w.Env); n != entries1 || count("SELECT count(*) FROM fund_disbursements") != 0 {
		t.Fatalf("refused disbursements stored something")
	}
	expect(t, "first payment", w.Do("POST", g+"/disbursements", w.officer, pay("1000000.00", day(w.today, 0), "25000.00")), 201, "")
	// The same day: the next day may be in the next year, whose stats are not the ones checked below.
	expect(t, "second over", w.Do("POST", g+"/disbursements", w.officer, pay("500000.01", day(w.today, 0), "0")), 422, "disbursement_exceeds_award")
	expect(t, "second payment", w.Do("POST", g+"/disbursements", w.officer, pay("500000.00", day(w.today, 0), "40000.00")), 201, "")
	var grant struct {
		Amount, Disbursed, Remaining string
		Disbursements                []struct{ Amount string }
	}
	w.Do("GET", g, w.ngoKey, nil).JSON(t, &grant)
	if grant.Disbursed != "1500000.00" || grant.Remaining != "0.00" || len(grant.Disbursements) != 2 {
		t.Errorf("grant %+v", grant)
	}
	expect(t, "another NGO reads the grant", w.Do("GET", g, w.ngoLate, nil), 403, "forbidden")
	var e struct{ Kind string }
	w.Do("GET", fmt.Sprintf("/v1/ledger/entries/%d", dec.EntrySeq), w.AdminKey, nil).JSON(t, &e)

	// Stats: awarded, disbursed and export revenue by sector and region.
	var st struct {
		Awarded, Disbursed string
		ExportRevenue      string `json:"export_revenue"`
		Grants             int
		Milestones         []struct{ ExportRevenue string } `json:"export_revenue_by_milestone"`
	}
	res = w.Do("GET", fmt.Sprintf("/v1/fund/stats?year=%d", w.today.Year()), w.officer, nil)
	res.JSON(t, &st)
	if st.Awarded != "5000000.00" || st.Grants != 2 || len(st.Milestones) != 2 {
		t.Errorf("stats %s", res.Body)
	}
	expect(t, "stats for an applicant", w.Do("GET", "/v1/fund/stats", w.company, nil), 403, "forbidden")

	// The projections rebuild from the ledger, and a tampered grant is found.
	checkFundDeep(t, w.Env, dec.GrantID)
}

// checkFundDeep runs verify --deep's fund rebuild, then tampers with a grant.
func checkFundDeep(t *testing.T, env *apptest.Env, grantID string) {
	t.Helper()
	ctx := context.Background()
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	owner := pgtest.OwnerPool(t, env.DBURL)
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: v, Origin: "ecinema.test/ledger", Deep: []ledger.DeepCheck{fund.NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("deep verify: %v", err)
	}
	if _, err := owner.Exec(ctx, `UPDATE fund_grants SET amount = amount + 1 WHERE id = $1`, grantID); err != nil {
		t.Fatal(err)
	}
	var ve *ledger.VerifyError
	if err := verify(); !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.Contains(ve.Detail, "fund_grants") {
		t.Fatalf("a tampered grant: verify = %v, want a mismatch in fund_grants", err)
	}
}

// TestFundConcurrentAwards: 20 fund officers award 1,000,000 each at once
// against a call whose budget fits 5: exactly 5 are awarded, 15 refused
// with budget_exceeded, and the call's awards equal its budget.
func TestFundConcurrentAwards(t *testing.T) {
	w := newFundWorld(t)
	expect(t, "budget for 5", w.Do("PUT", "/v1/fund/calls/c1", w.officer, callBody("5000000.00", day(w.today, -10), day(w.today, 10))), 200, "")
	apps := make([]string, 20)
	for i := range apps {
		apps[i] = w.apply(t, w.company, "1000000.00")
		w.review(t, apps[i], "e1", "e2", "e4")
	}
	officers := make([]string, 20)
	for i := range officers {
		officers[i] = w.Key(apikey.RoleFundOfficer, "", "")
	}
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	codes := make([]string, 20)
	start := make(chan struct{})
	for i := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := w.Do("POST", "/v1/fund/applications/"+apps[i]+"/decision", officers[i], map[string]any{"award": true, "amount": "1000000.00"})
			statuses[i], codes[i] = res.Status, res.ErrorCode()
		}()
	}
	close(start)
	wg.Wait()
	awarded, refused := 0, 0
	for i := range statuses {
		switch {
		case statuses[i] == 201:
			awarded++
		case statuses[i] == 422 && codes[i] == "budget_exceeded":
			refused++
		default:
			t.Errorf("award %d: %d %s", i, statuses[i], codes[i])
		}
	}
	if awarded != 5 || refused != 15 {
		t.Fatalf("%d awarded, %d refused; want 5 and 15", awarded, refused)
	}
	if n := countRows(t, w.Env, "SELECT count(*) FROM fund_grants"); n != 5 {
		t.Fatalf("%d grants stored", n)
	}
	if n := countRows(t, w.Env, "SELECT count(*) FROM ledger_entries WHERE kind = 'fund_award'"); n != 5 {
		t.Fatalf("%d fund_award entries", n)
	}
	var sum string
	pgtest.Row(t, w.App.Pool, "SELECT sum(amount)::text FROM fund_grants WHERE call_id = 'c1'").Scan(&sum)
	if sum != "5000000.00" {
		t.Fatalf("awards add up to %s", sum)
	}
	// Disbursements of one grant under concurrency: 10 payments of 300,000
	// against 1,000,000 → exactly 3 paid.
	var g string
	pgtest.Row(t, w.App.Pool, "SELECT id FROM fund_grants ORDER BY id LIMIT 1").Scan(&g)
	paid := make([]int, 10)
	for i := range paid {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paid[i] = w.Do("POST", "/v1/fund/grants/"+g+"/disbursements", w.officer,
				map[string]any{"amount": "300000.00", "date": day(w.today, 0), "milestone": fmt.Sprintf("m%d", i)}).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range paid {
		if s == 201 {
			ok++
		}
	}
	if ok != 3 {
		t.Fatalf("%d of 10 concurrent payments of 300000 against 1000000 went through, want 3", ok)
	}
}

// TestFund360Giving validates the open-data export against the official
// 360Giving package schema (../shared/schemas/360giving, tag 1.4.3) with a
// JSON Schema 2020-12 validator that is not this code.
func TestFund360Giving(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "schemas", "360giving")
	if _, err := os.Stat(filepath.Join(dir, "360-giving-package-schema.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("360Giving schema missing under CI: %v", err)
		}
		t.Skipf("360Giving schema not found at %s: %v", dir, err)
	}
	w := newFundWorld(t)
	a := w.apply(t, w.ngoKey, "2000000.00")
	w.review(t, a, "e1", "e2", "e4")
	res := w.Do("POST", "/v1/fund/applications/"+a+"/decision", w.officer, map[string]any{"award": true, "amount": "1800000.00"})
	var dec struct {
		GrantID string `json:"grant_id"`
	}
	res.JSON(t, &dec)
	expect(t, "pay", w.Do("POST", "/v1/fund/grants/"+dec.GrantID+"/disbursements", w.officer,
		map[string]any{"amount": "600000.50", "date": day(w.today, 0), "milestone": "pilot", "export_revenue": "12000.00"}), 201, "")
	res = w.Do("GET", "/open-data/360giving.json", "", nil)
	expect(t, "360giving", res, 200, "")

	c := jsonschema.NewCompiler()
	c.AssertFormat() // as ajv-formats does: the schema's date oneOf relies on it
	for _, f := range []string{"360-giving-schema.json", "360-giving-package-schema.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		// The schemas declare the 2020-12 meta-schema by its http id; the
		// validator knows it by https (the schema README says so).
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
		if err := c.AddResource(doc["$id"].(string), doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-package-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytesReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("360Giving export invalid: %v\n%s", err, res.Body)
	}
	var p struct {
		Grants []map[string]any
	}
	res.JSON(t, &p)
	if len(p.Grants) != 1 {
		t.Fatalf("grants %s", res.Body)
	}
	gr := p.Grants[0]
	if gr["id"] != "360G-kzcidf-"+dec.GrantID || gr["currency"] != "KZT" || gr["amountAwarded"] != 1800000.0 || gr["amountDisbursed"] != 600000.5 {
		t.Errorf("grant %v", gr)
	}
	rec := gr["recipientOrganization"].([]any)[0].(map[string]any)
	fun := gr["fundingOrganization"].([]any)[0].(map[string]any)
	if rec["id"] != "KZ-BIN-"+ngoA || fun["id"] != "KZ-BIN-"+fund.DefaultFunder.BIN {
		t.Errorf("org ids %v %v", rec, fun)
	}
	// A grant that breaks the schema is caught: the test is not vacuous.
	broken, _ := jsonschema.UnmarshalJSON(bytesReader([]byte(`{"grants":[{"id":"x","title":"t","description":"d","currency":"KZT","amountAwarded":"1","awardDate":"2026-13-01","recipientOrganization":[{"id":"a","name":"b"}],"fundingOrganization":[{"id":"c","name":"d"}]}]}`)))
	if err := sch.Validate(broken); err == nil {
		t.Fatal("the schema accepted a grant with a string amount and month 13")
	}
}

// TestFundStatsDefaultYear: without ?year the stats are of the current
// year in Kazakhstan, which begins at 19:00 UTC on 31 December.
func TestFundStatsDefaultYear(t *testing.T) {
	var now time.Time
	env := apptest.New(t, func(c *app.Config) { c.Now = func() time.Time { return now } })
	for _, tc := range []struct {
		now  time.Time
		year int
	}{
		{time.Date(2026, 12, 31, 18, 59, 0, 0, time.UTC), 2026},
		{time.Date(2026, 12, 31, 19, 0, 0, 0, time.UTC), 2027}, // 00:00 local on 1 January
		{time.Date(2027, 1, 1, 0, 30, 0, 0, kztime.Location), 2027},
	} {
		now = tc.now
		var st struct{ Year int }
		res := env.Do("GET", "/v1/fund/stats", env.AdminKey, nil)
		res.JSON(t, &st)
		if res.Status != 200 || st.Year != tc.year {
			t.Errorf("at %s: GET /v1/fund/stats = %d, year %d, want %d", tc.now.UTC().Format(time.RFC3339), res.Status, st.Year, tc.year)
		}
	}
}
