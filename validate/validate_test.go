package validate

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestMoney(t *testing.T) {
	max := decimal.RequireFromString("1000000.00")
	for _, tc := range []struct {
		in   string
		want string
		code string
	}{
		{"2500.00", "2500", ""},
		{"0", "0", ""},
		{"1000000.00", "1000000", ""},
		{"12.5", "12.5", ""},
		{"1.005", "", "invalid_amount"},
		{"-1.00", "", "out_of_range"},
		{"1000000.01", "", "out_of_range"},
		{"1e3", "", "invalid_amount"},
		{" 1", "", "invalid_amount"},
		{"", "", "required"},
	} {
		var e Errors
		got := e.Money("price", tc.in, decimal.Zero, max)
		if tc.code == "" {
			if e.Err() != nil || !got.Equal(decimal.RequireFromString(tc.want)) {
				t.Errorf("Money(%q) = %s, %v; want %s", tc.in, got, e.Err(), tc.want)
			}
			continue
		}
		if len(e.Fields) != 1 || e.Fields[0].Code != tc.code || e.Fields[0].Field != "price" {
			t.Errorf("Money(%q) fields = %+v; want code %s", tc.in, e.Fields, tc.code)
		}
	}
}

func TestID(t *testing.T) {
	for in, ok := range map[string]bool{"a": true, "KZ-ALA_1:x.y": true, "-a": false, "a b": false, "": false,
		"a234567890123456789012345678901234567890123456789012345678901234":  true,
		"a2345678901234567890123456789012345678901234567890123456789012345": false} {
		var e Errors
		e.ID("id", in)
		if (e.Err() == nil) != ok {
			t.Errorf("ID(%q) err = %v, want ok=%v", in, e.Err(), ok)
		}
	}
}

// TestMatchID pins MatchID to IDPattern.
func TestMatchID(t *testing.T) {
	cases := []string{"", "a", "A", "0", "_", ".", "-a", "a-", "a.b:c_d-e", "a b", "a/b", "é", "aé", "a\n", "\n", "a\x00"}
	for _, n := range []int{63, 64, 65} {
		cases = append(cases, strings.Repeat("a", n), strings.Repeat("a", n-1)+"é")
	}
	for c := 0; c < 256; c++ {
		cases = append(cases, string([]byte{byte(c)}), "a"+string([]byte{byte(c)}))
	}
	for _, s := range cases {
		if MatchID(s) != IDPattern.MatchString(s) {
			t.Errorf("%q: MatchID %v, IDPattern %v", s, MatchID(s), IDPattern.MatchString(s))
		}
	}
}

func TestPastPartialDate(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for s, want := range map[string]string{
		"": "", "1941": "", "1941-07": "", "1941-07-01": "", "2024-02-29": "", "2026": "", "2026-12": "", "2026-12-01": "",
		"1941-02-30": "bad", "1941-13": "bad", "1941-00": "bad", "2023-02-29": "bad", "+941": "bad", "1941-7-1": "bad", "1941/07/01": "bad", " 1941": "bad",
		"2027": "in_future", "2027-01": "in_future", "2026-12-02": "in_future", "9999-12-31": "in_future",
	} {
		var e Errors
		e.PastPartialDate("f", s, "bad", today)
		got := ""
		if len(e.Fields) > 0 {
			got = e.Fields[0].Code
		}
		if got != want || len(e.Fields) > 1 {
			t.Errorf("%q: %+v, want code %q", s, e.Fields, want)
		}
	}
}
