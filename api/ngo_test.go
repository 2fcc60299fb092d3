package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/ngo"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/kztime"
)

const (
	ngoA = "070440000096"
	ngoB = "071045706654" // doubly weighted check digit
)

func ngoBody(status string) map[string]any {
	return map[string]any{"name": map[string]string{"kk": "Ашық қоғам", "ru": "Открытое общество"},
		"legal_form": "public_association", "registered_on": "2019-05-14", "status": status, "region": "KZ-11",
		"address": "Kokshetau, Abai 10", "activity_areas": []string{"culture", "youth"}}
}

func reportBody() map[string]any {
	return map[string]any{
		"founders": []map[string]any{{"name": "Айгүл Сейтқали", "id_number": "000000000101", "share_pct": "100"}},
		"property": "office lease",
		"funding":  []map[string]any{{"source": "state_order", "amount": "2500000.00"}, {"source": "donation", "amount": "300000.00"}},
		"spending": []map[string]any{{"direction": "programmes", "amount": "2000000.00"}},
		"staff":    4, "volunteers": 25,
		"projects": []map[string]any{{"title": "Youth theatre", "amount": "1500000.00", "beneficiaries": 120}},
	}
}

// TestNGOWorkflow walks every rule of the NGO database through the API:
// each refusal with its status and code, and nothing stored when refused;
// now, and on either side of the instant the last due report becomes the
// next year's (00:00 local time on 1 April).
func TestNGOWorkflow(t *testing.T) {
	now := time.Now() // one instant: the report year the test picks is the register's
	t.Run("now", func(t *testing.T) { ngoWorkflow(t, func() time.Time { return now }) })
	for _, at := range []time.Time{
		time.Date(2027, 3, 31, 23, 30, 0, 0, kztime.Location),
		time.Date(2027, 4, 1, 0, 30, 0, 0, kztime.Location),
	} {
		t.Run(at.Format(time.RFC3339), func(t *testing.T) { ngoWorkflow(t, func() time.Time { return at }) })
	}
}

func ngoWorkflow(t *testing.T, now func() time.Time) {
	env := apptest.New(t, func(c *app.Config) { c.Now = now })
	admin := env.AdminKey
	ngos := func() int { return countRows(t, env, "SELECT count(*) FROM ngo_versions") }
	reportVersions := func() int { return countRows(t, env, "SELECT count(*) FROM ngo_report_versions") }

	// Registration: admin only, BIN check digit, region, strict body.
	analyst := env.Key(apikey.RoleAnalyst, "", "")
	expect(t, "analyst registers", env.Do("PUT", "/v1/ngos/"+ngoA, analyst, ngoBody("active")), 403, "forbidden")
	expect(t, "bad check digit", env.Do("PUT", "/v1/ngos/070440000097", admin, ngoBody("active")), 400, "invalid_request")
	bad := ngoBody("active")
	bad["region"] = "KZ-99"
	expect(t, "unknown region", env.Do("PUT", "/v1/ngos/"+ngoA, admin, bad), 422, "unknown_reference")
	bad = ngoBody("dormant")
	expect(t, "bad status", env.Do("PUT", "/v1/ngos/"+ngoA, admin, bad), 400, "invalid_request")
	bad = ngoBody("active")
	bad["founded"] = "1999"
	expect(t, "unknown field", env.Do("PUT", "/v1/ngos/"+ngoA, admin, bad), 400, "invalid_request")
	bad = ngoBody("active")
	bad["name"] = map[string]string{"en": "English only"}
	expect(t, "name without kk or ru", env.Do("PUT", "/v1/ngos/"+ngoA, admin, bad), 400, "invalid_request")
	if n := ngos(); n != 0 {
		t.Fatalf("%d NGO versions stored by refused requests", n)
	}
	if _, _, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "x", Role: apikey.RoleNGO, Scope: ngoA}); err == nil {
		t.Fatal("an ngo key for an unregistered BIN was issued")
	}
	expect(t, "register A", env.Do("PUT", "/v1/ngos/"+ngoA, admin, ngoBody("active")), 200, "")
	expect(t, "register B", env.Do("PUT", "/v1/ngos/"+ngoB, admin, ngoBody("active")), 200, "")
	res := env.Do("PUT", "/v1/ngos/"+ngoA, admin, ngoBody("active"))
	var n struct{ Version int }
	res.JSON(t, &n)
	if n.Version != 2 {
		t.Fatalf("second registration version %d", n.Version)
	}
	keyA, keyB := scopedKey(t, env, apikey.RoleNGO, ngoA), scopedKey(t, env, apikey.RoleNGO, ngoB)
	// The report of the last year due: submitted now, it is late.
	year := ngo.LastDueYear(now())
	path := "/v1/ngos/" + ngoA + "/reports/" + strconv.Itoa(year)

	// Writing the report: only the ngo key of that BIN, a valid body.
	expect(t, "other NGO writes", env.Do("PUT", path, keyB, reportBody()), 403, "forbidden")
	expect(t, "admin writes", env.Do("PUT", path, admin, reportBody()), 403, "forbidden")
	r := reportBody()
	r["funding"] = []map[string]any{{"source": "lottery", "amount": "1.00"}}
	delete(r, "staff")
	expect(t, "bad report", env.Do("PUT", path, keyA, r), 400, "invalid_request")
	r = reportBody()
	r["founders"] = []map[string]any{{"name": "A", "id_number": "000000000101", "share_pct": "60"}, {"name": "B", "id_number": ngoA, "share_pct": "60"}}
	expect(t, "shares over 100", env.Do("PUT", path, keyA, r), 400, "invalid_request")
	expect(t, "future year", env.Do("PUT", "/v1/ngos/"+ngoA+"/reports/2099", keyA, reportBody()), 400, "invalid_request")
	expect(t, "submit nothing", env.Do("POST", path+"/submit", keyA, nil), 404, "not_found")
	if n := reportVersions(); n != 0 {
		t.Fatalf("%d report versions stored by refused requests", n)
	}
	expect(t, "draft", env.Do("PUT", path, keyA, reportBody()), 200, "")
	expect(t, "accept a draft", env.Do("POST", path+"/accept", admin, nil), 409, "invalid_transition")

	// Submitting: late after 31 March of the next year.
	res = env.Do("POST", path+"/submit", keyA, nil)
	expect(t, "submit", res, 200, "")
	var rep struct {
		Status  string
		Late    bool
		Version int
		Due     string
		Comment string
	}
	res.JSON(t, &rep)
	if rep.Status != "submitted" || !rep.Late || rep.Version != 2 || rep.Due != fmt.Sprintf("%d-03-31", year+1) {
		t.Fatalf("submitted report %+v", rep)
	}
	before := reportVersions()
	expect(t, "write a submitted report", env.Do("PUT", path, keyA, reportBody()), 409, "report_locked")
	expect(t, "submit twice", env.Do("POST", path+"/submit", keyA, nil), 409, "invalid_transition")
	expect(t, "ngo accepts its own", env.Do("POST", path+"/accept", keyA, nil), 403, "forbidden")
	expect(t, "return without comment", env.Do("POST", path+"/return", admin, map[string]string{}), 400, "invalid_request")
	if n := reportVersions(); n != before {
		t.Fatalf("refused transitions stored %d versions", n-before)
	}

	// Returned, redrafted, resubmitted, accepted; eligibility follows.
	res = env.Do("POST", path+"/return", admin, map[string]string{"comment": "spending does not add up"})
	expect(t, "return", res, 200, "")
	res.JSON(t, &rep)
	if rep.Status != "returned" || rep.Comment != "spending does not add up" {
		t.Fatalf("returned report %+v", rep)
	}
	var el struct {
		Eligible bool
		Reasons  []struct{ Code string }
	}
	env.Do("GET", "/v1/ngos/"+ngoA+"/eligibility", analyst, nil).JSON(t, &el)
	if el.Eligible || len(el.Reasons) != 1 || el.Reasons[0].Code != "report_not_accepted" {
		t.Fatalf("eligibility of a returned report: %+v", el)
	}
	expect(t, "redraft", env.Do("PUT", path, keyA, reportBody()), 200, "")
	expect(t, "resubmit", env.Do("POST", path+"/submit", keyA, nil), 200, "")
	expect(t, "accept", env.Do("POST", path+"/accept", admin, nil), 200, "")
	expect(t, "return an accepted report", env.Do("POST", path+"/return", admin, map[string]string{"comment": "x"}), 409, "invalid_transition")
	env.Do("GET", "/v1/ngos/"+ngoA+"/eligibility", analyst, nil).JSON(t, &el)
	if !el.Eligible || len(el.Reasons) != 0 {
		t.Fatalf("eligibility after acceptance: %+v", el)
	}
	var vs struct {
		Items []struct {
			Version int
			Status  string
		}
	}
	env.Do("GET", path+"/versions", keyA, nil).JSON(t, &vs)
	want := []string{"draft", "submitted", "returned", "draft", "submitted", "accepted"}
	if len(vs.Items) != len(want) {
		t.Fatalf("versions %+v", vs)
	}
	for i, v := range vs.Items {
		if v.Status != want[i] || v.Version != i+1 {
			t.Errorf("version %d is %+v, want %s", i+1, v, want[i])
		}
	}
	expect(t, "other NGO reads", env.Do("GET", path, keyB, nil), 403, "forbidden")
	expect(t, "analyst reads a report", env.Do("GET", path, analyst, nil), 403, "forbidden")

	// Eligibility reasons: unregistered, inactive, no report; a bad BIN is 400.
	env.Do("GET", "/v1/ngos/000000000101/eligibility", analyst, nil).JSON(t, &el)
	if el.Eligible || el.Reasons[0].Code != "not_registered" {
		t.Fatalf("unregistered: %+v", el)
	}
	expect(t, "eligibility of a bad BIN", env.Do("GET", "/v1/ngos/000000000100/eligibility", analyst, nil), 400, "invalid_query")
	expect(t, "B inactive", env.Do("PUT", "/v1/ngos/"+ngoB, admin, ngoBody("suspended")), 200, "")
	env.Do("GET", "/v1/ngos/"+ngoB+"/eligibility", analyst, nil).JSON(t, &el)
	if el.Eligible || len(el.Reasons) != 2 || el.Reasons[0].Code != "not_active" || el.Reasons[1].Code != "report_missing" {
		t.Fatalf("suspended without report: %+v", el)
	}

	// Open data: public, registered NGOs and accepted reports, no founders' ids.
	res = env.Do("GET", "/open-data/ngos.json", "", nil)
	expect(t, "open data json", res, 200, "")
	if strings.Contains(string(res.Body), "id_number") || strings.Contains(string(res.Body), "000000000101") {
		t.Error("open data publishes founders' identity numbers")
	}
	var od struct {
		NGOs []struct {
			BIN     string
			Reports []struct {
				Year         int
				Late         bool
				FundingTotal string `json:"funding_total"`
			}
		}
	}
	res.JSON(t, &od)
	if len(od.NGOs) != 2 || od.NGOs[0].BIN != ngoA || len(od.NGOs[0].Reports) != 1 || len(od.NGOs[1].Reports) != 0 {
		t.Fatalf("open data %s", res.Body)
	}
	if r := od.NGOs[0].Reports[0]; r.Year != year || !r.Late || r.FundingTotal != "2800000.00" {
		t.Errorf("open report %+v", r)
	}
	res = env.Do("GET", "/open-data/ngos.csv", "", nil)
	expect(t, "open data csv", res, 200, "")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("csv content type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][0] != "bin" || recs[1][0] != ngoA || recs[1][10] != strconv.Itoa(year) || recs[2][10] != "" {
		t.Fatalf("csv %v %v", recs, err)
	}
	if res := env.Do("GET", "/v1/ngos/"+ngoA+"/versions", analyst, nil); res.Status != http.StatusOK {
		t.Fatalf("versions: %d", res.Status)
	}
}
