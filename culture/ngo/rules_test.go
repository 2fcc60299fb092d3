package ngo

import (
	"testing"
	"time"
)

// TestBINCheckDigit is the check-digit table of the BIN rule the NGO
// database and the fund rely on (validate.BIN, reused, not copied): the
// check digit is the 1..11-weighted sum mod 11; when that is 10 the
// 3..11,1,2 weights decide (the doubly weighted case); when both give 10
// no BIN has that prefix.
func TestBINCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		bin  string
		want bool
		why  string
	}{
		// 1*0+2*7+3*0+4*4+5*4+6*0+7*0+8*0+9*0+10*0+11*9 = 149 = 13*11+6.
		{"070440000096", true, "first weighting: 149 mod 11 = 6"},
		{"070440000097", false, "first weighting gives 6, not 7"},
		// 0*1+7*2+1*3+0*4+4*5+5*6+7*7+0*8+6*9+6*10+5*11 = 285 = 25*11+10 → second weighting:
		// 0*3+7*4+1*5+0*6+4*7+5*8+7*9+0*10+6*11+6*1+5*2 = 246 = 22*11+4.
		{"071045706654", true, "doubly weighted: first gives 10, second gives 4"},
		{"071045706650", false, "doubly weighted: 0 would be the first weighting's 10 taken mod 10"},
		{"071045706655", false, "doubly weighted: wrong digit"},
		{"000000000101", true, "doubly weighted: 10*1 = 10, then weight 1 gives 1"},
		// Both weightings give 10: no check digit makes this prefix valid.
		{"060347355650", false, "both weightings 10"},
		{"060347355651", false, "both weightings 10"},
		{"060347355659", false, "both weightings 10"},
		{"07044000009", false, "11 digits"},
		{"0704400000960", false, "13 digits"},
		{"07044000009a", false, "a letter"},
		{"", false, "empty"},
	} {
		if got := ValidBIN(tc.bin); got != tc.want {
			t.Errorf("ValidBIN(%q) = %v, want %v (%s)", tc.bin, got, tc.want, tc.why)
		}
	}
}

func TestLateFlag(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		year int
		at   string
		late bool
	}{
		{2025, "2026-03-31T23:59:59+05:00", false}, // the last minute of the deadline day
		{2025, "2026-03-31T18:59:59Z", false},      // the same instant in UTC
		{2025, "2026-03-31T19:00:00Z", true},       // 1 April 00:00 in Kazakhstan
		{2025, "2026-04-01T00:00:00+05:00", true},
		{2025, "2026-01-15T10:00:00+05:00", false},
		{2024, "2026-01-15T10:00:00+05:00", true},
	} {
		if got := isLate(tc.year, at(tc.at)); got != tc.late {
			t.Errorf("IsLate(%d, %s) = %v, want %v", tc.year, tc.at, got, tc.late)
		}
	}
	for _, tc := range []struct {
		at  string
		due int
	}{
		{"2026-11-29T12:00:00Z", 2025},
		{"2026-03-31T12:00:00+05:00", 2024},
		{"2026-04-01T00:00:00+05:00", 2025},
		{"2026-01-01T00:00:00+05:00", 2024},
	} {
		if got := LastDueYear(at(tc.at)); got != tc.due {
			t.Errorf("LastDueYear(%s) = %d, want %d", tc.at, got, tc.due)
		}
	}
}
