package validate

import "testing"

// binWithCheck appends the check digit computed by hand with the first weighting.
func TestBIN(t *testing.T) {
	for _, tc := range []struct {
		bin  string
		want bool
		why  string
	}{
		// 1*0+2*7+3*0+4*4+5*4+6*0+7*0+8*0+9*0+10*0+11*9 = 14+16+20+99 = 149; 149 mod 11 = 6.
		{"070440000096", true, "first weighting gives 6"},
		{"070440000097", false, "wrong check digit"},
		// 1*1+2*0+...+11*0 = 1 → 1.
		{"100000000001", true, "simple"},
		// First weighting 10: digits 00000000010x: 10*1=10 → 10; second weighting weight of
		// position 10 is 1 (3,4,...,11,1,2) → 1.
		{"000000000101", true, "first gives 10, second gives 1"},
		{"000000000100", false, "first gives 10, second gives 1, digit 0 wrong"},
		// Both give 10: need sum1%11==10 and sum2%11==10. Digits d1=1,d3=3? Found by search in test below.
		{"12345678901", false, "11 digits"},
		{"1234567890123", false, "13 digits"},
		{"12345678901a", false, "letter"},
	} {
		if got := BIN(tc.bin); got != tc.want {
			t.Errorf("BIN(%s) = %v, want %v (%s)", tc.bin, got, tc.want, tc.why)
		}
	}
}

// TestCompleteBIN: the digit it appends is the one BIN accepts.
func TestCompleteBIN(t *testing.T) {
	for prefix, want := range map[string]string{"07044000009": "070440000096", "10000000000": "100000000001", "00000000010": "000000000101"} {
		if got, ok := CompleteBIN(prefix); !ok || got != want {
			t.Errorf("CompleteBIN(%s) = %s, %v; want %s", prefix, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1234567890", "123456789012", "1234567890a"} {
		if got, ok := CompleteBIN(bad); ok {
			t.Errorf("CompleteBIN(%q) = %s", bad, got)
		}
	}
}

func TestBINBothWeightingsTen(t *testing.T) {
	// Search for an 11-digit prefix where both weightings give 10: no check
	// digit may make it valid.
	found := 0
	for n := 0; n < 200000 && found < 3; n++ {
		var d [11]int
		x := n
		for i := 10; i >= 0; i-- {
			d[i] = x % 10
			x /= 10
		}
		s1, s2 := 0, 0
		for i := range 11 {
			s1 += (i + 1) * d[i]
			s2 += ((i+2)%11 + 1) * d[i]
		}
		if s1%11 != 10 || s2%11 != 10 {
			continue
		}
		found++
		prefix := make([]byte, 11)
		for i := range 11 {
			prefix[i] = byte('0' + d[i])
		}
		for c := byte('0'); c <= '9'; c++ {
			if bin := string(prefix) + string(c); BIN(bin) {
				t.Errorf("BIN(%s) = true, but both weightings give 10", bin)
			}
		}
		if bin, ok := CompleteBIN(string(prefix)); ok {
			t.Errorf("CompleteBIN(%s) = %s, but both weightings give 10", prefix, bin)
		}
	}
	if found == 0 {
		t.Fatal("no prefix with both weightings 10 found")
	}
}
