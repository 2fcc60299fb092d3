package api_test

import (
	"fmt"
	"testing"
)

// TestFundReviewScoresAreIntegers: CULTURE.md gives a review's scores as
// {"<criterion id>":0..10}, JSON integers. A score sent as a string
// ("7"), with a fraction (7.5, 7.0, 1e1), as null, or outside 0..10 is a
// 400 naming each score at fault (scores.<criterion>) with its code,
// every one at once, and nothing is stored; integers are stored as
// numbers and weighted.
func TestFundReviewScoresAreIntegers(t *testing.T) {
	w := newFundWorld(t)
	app := w.apply(t, w.company, "100000.00")
	path := "/v1/fund/applications/" + app + "/reviews/e1"
	stored := func() int {
		return countRows(t, w.Env, "SELECT count(*) FROM fund_review_versions") + countRows(t, w.Env, "SELECT count(*) FROM fund_reviews")
	}
	type detail struct{ Field, Code string }
	for _, tc := range []struct {
		what   string
		scores string
		want   []detail
	}{
		{"a string", `{"quality":"7","impact":7,"export":9}`, []detail{{"scores.quality", "wrong_type"}}},
		{"a fraction", `{"quality":7.5,"impact":7,"export":9}`, []detail{{"scores.quality", "wrong_type"}}},
		{"a fraction of zero", `{"quality":7.0,"impact":7,"export":9}`, []detail{{"scores.quality", "wrong_type"}}},
		{"an exponent", `{"quality":1e1,"impact":7,"export":9}`, []detail{{"scores.quality", "wrong_type"}}},
		{"null", `{"quality":null,"impact":7,"export":9}`, []detail{{"scores.quality", "wrong_type"}}},
		{"true", `{"quality":true,"impact":7,"export":9}`, []detail{{"scores.quality", "wrong_type"}}},
		{"above 10", `{"quality":11,"impact":7,"export":9}`, []detail{{"scores.quality", "out_of_range"}}},
		{"below 0", `{"quality":-1,"impact":7,"export":9}`, []detail{{"scores.quality", "out_of_range"}}},
		{"huge", `{"quality":100000000000000000000,"impact":7,"export":9}`, []detail{{"scores.quality", "out_of_range"}}},
		{"every fault at once", `{"quality":"7","impact":7.5,"export":11}`,
			[]detail{{"scores.export", "out_of_range"}, {"scores.impact", "wrong_type"}, {"scores.quality", "wrong_type"}}},
		{"a string with a conflict declared", `{"quality":"7"}`, []detail{{"scores.quality", "wrong_type"}}},
	} {
		conflict := tc.what == "a string with a conflict declared"
		body := fmt.Sprintf(`{"scores":%s,"conflict_of_interest":%t,"comment":"x"}`, tc.scores, conflict)
		res := w.Do("PUT", path, w.experts["e1"], body)
		expect(t, tc.what, res, 400, "invalid_request")
		var eb struct {
			Error struct{ Details []detail }
		}
		res.JSON(t, &eb)
		if fmt.Sprint(eb.Error.Details) != fmt.Sprint(tc.want) {
			t.Errorf("%s: details %v, want %v (%s)", tc.what, eb.Error.Details, tc.want, res.Body)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%s: %d review rows stored by a refused review", tc.what, n)
		}
	}

	res := w.Do("PUT", path, w.experts["e1"], `{"scores":{"quality":8,"impact":7,"export":9},"conflict_of_interest":false,"comment":"solid"}`)
	expect(t, "integers", res, 200, "")
	var scores, weighted string
	row := w.App.Pool.QueryRow(t.Context(), "SELECT scores::text, weighted::text FROM fund_reviews WHERE application_id = $1 AND expert_id = 'e1'", app)
	if err := row.Scan(&scores, &weighted); err != nil {
		t.Fatal(err)
	}
	if scores != `{"export": 9, "impact": 7, "quality": 8}` || weighted != "79.0000" {
		t.Errorf("stored scores %s weighted %s", scores, weighted)
	}
	var rev struct {
		Scores   map[string]any
		Weighted string
	}
	res.JSON(t, &rev)
	if fmt.Sprint(rev.Scores) != "map[export:9 impact:7 quality:8]" || rev.Weighted != "79.00" {
		t.Errorf("answer %s", res.Body)
	}
}

// TestFundCallWeightsAreNumbers: CULTURE.md gives criteria weights as
// numbers; one sent as a JSON string ("50") or null is a 400 naming
// criteria[i].weight with wrong_type, and nothing is stored.
func TestFundCallWeightsAreNumbers(t *testing.T) {
	w := newFundWorld(t)
	versions := func() int { return countRows(t, w.Env, "SELECT count(*) FROM fund_call_versions") }
	before := versions()
	for _, tc := range []struct{ what, weights string }{
		{"a string", `{"id":"quality","name":"Quality","weight":"50"},{"id":"impact","name":"Impact","weight":50}`},
		{"null", `{"id":"quality","name":"Quality","weight":null},{"id":"impact","name":"Impact","weight":100}`},
	} {
		body := fmt.Sprintf(`{"title":{"kk":"Шақыру"},"budget":"1000.00","opens":"%s","closes":"%s","instrument":"grant",
			"eligible":["company"],"criteria":[%s]}`, day(w.today, -1), day(w.today, 1), tc.weights)
		res := w.Do("PUT", "/v1/fund/calls/c9", w.officer, body)
		expect(t, tc.what, res, 400, "invalid_request")
		var eb struct {
			Error struct {
				Details []struct{ Field, Code string }
			}
		}
		res.JSON(t, &eb)
		if fmt.Sprint(eb.Error.Details) != "[{criteria[0].weight wrong_type}]" {
			t.Errorf("%s: details %s", tc.what, res.Body)
		}
	}
	if n := versions(); n != before {
		t.Fatalf("%d call versions stored by refused calls", n-before)
	}
	res := w.Do("PUT", "/v1/fund/calls/c9", w.officer, callBody("1000.00", day(w.today, -1), day(w.today, 1)))
	expect(t, "number weights", res, 200, "")
	var call struct{ Criteria []map[string]any }
	res.JSON(t, &call)
	if fmt.Sprint(call.Criteria[0]["weight"]) != "50" {
		t.Errorf("weight answered %s", res.Body)
	}
}
