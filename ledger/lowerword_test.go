package ledger

import (
	"regexp"
	"testing"
)

// TestLowerWordEqualsRegexps pins lowerWord (on strings and on bytes) to
// the regular expressions of a kind and a flag.
func TestLowerWordEqualsRegexps(t *testing.T) {
	kindRE := regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	flagRE := regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	var cases []string
	for _, base := range []string{"", "a", "sale", "screening_update", "x9_", "night_high_occupancy"} {
		cases = append(cases, base)
		for _, c := range []string{"a", "z", "0", "9", "_", "A", "Z", "-", ".", " ", "\n", "é", "`", "{", "/", ":"} {
			cases = append(cases, c+base, base+c, c)
		}
	}
	for _, n := range []int{31, 32, 33, 63, 64, 65} {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a' + byte(i%26)
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := lowerWord(s, 32), kindRE.MatchString(s); got != want {
			t.Errorf("lowerWord(%q, 32) = %v, the kind pattern %v", s, got, want)
		}
		if got, want := lowerWord([]byte(s), 32), kindRE.MatchString(s); got != want {
			t.Errorf("lowerWord([]byte(%q), 32) = %v, the kind pattern %v", s, got, want)
		}
		if got, want := lowerWord(s, 64), flagRE.MatchString(s); got != want {
			t.Errorf("lowerWord(%q, 64) = %v, the flag pattern %v", s, got, want)
		}
	}
}
