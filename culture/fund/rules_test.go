package fund

import (
	"encoding/json"
	"testing"
)

func TestCallWeights(t *testing.T) {
	call := func(ws ...string) Call {
		c := Call{Title: map[string]string{"kk": "Шақыру"}, Budget: "100.00", Opens: "2026-01-01", Closes: "2026-02-01",
			Instrument: "grant", Eligible: []string{"ngo"}}
		for i, w := range ws {
			c.Criteria = append(c.Criteria, Criterion{ID: string(rune('a' + i)), Name: "c", Weight: json.RawMessage(w)})
		}
		return c
	}
	for _, tc := range []struct {
		weights []string
		ok      bool
	}{
		{[]string{"50", "30", "20"}, true},
		{[]string{"33.3", "33.3", "33.4"}, true},
		{[]string{"100"}, true},
		{[]string{"50", "30", "19.99"}, false},
		{[]string{"60", "60", "-20"}, false},
		{[]string{"0", "100"}, false},
		{[]string{}, false},
	} {
		_, err := normaliseCall("c", call(tc.weights...))
		if (err == nil) != tc.ok {
			t.Errorf("weights %v: err %v, want ok %v", tc.weights, err, tc.ok)
		}
	}
}

func TestScoreReview(t *testing.T) {
	crit := []Criterion{{ID: "q", Weight: json.RawMessage("50")}, {ID: "i", Weight: json.RawMessage("30")}, {ID: "e", Weight: json.RawMessage("20")}}
	got, err := scoreReview(crit, map[string]int64{"q": 10, "i": 10, "e": 10})
	if err != nil || got.String() != "100" {
		t.Fatalf("all tens: %s %v", got, err)
	}
	got, err = scoreReview(crit, map[string]int64{"q": 8, "i": 7, "e": 9})
	if err != nil || got.String() != "79" {
		t.Fatalf("8/7/9: %s %v", got, err)
	}
	for _, bad := range []map[string]int64{
		{"q": 8, "i": 7},                 // missing
		{"q": 8, "i": 7, "e": 1, "x": 1}, // unknown criterion
	} {
		if _, err := scoreReview(crit, bad); err == nil {
			t.Errorf("scores %v accepted", bad)
		}
	}
}

func TestApplicantKind(t *testing.T) {
	for _, tc := range []struct {
		ngo  bool
		bin  string
		want string
	}{
		{true, "070440000096", kindNGO},
		{false, "071045706654", kindCompany},      // 4: resident legal entity
		{false, "071055706650", kindCompany},      // 5: non-resident legal entity
		{false, "071065706650", kindEntrepreneur}, // 6: joint individual entrepreneurship
		{false, "850314300013", kindEntrepreneur}, // an IIN (born 14 March 1985)
	} {
		if got := ApplicantKind(tc.ngo, tc.bin); got != tc.want {
			t.Errorf("ApplicantKind(%v, %s) = %s, want %s", tc.ngo, tc.bin, got, tc.want)
		}
	}
}
