package ingest

import (
	"regexp"
	"strings"
	"testing"
)

// The regular expressions the hand-written matchers replace.
var patternRegexps = map[string]struct {
	m  matcher
	re *regexp.Regexp
}{
	"price":   {pricePattern, regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$`)},
	"seat":    {seatPattern, regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._:/-]{0,31}$`)},
	"channel": {channelPattern, regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)},
	"reason":  {reasonPattern, regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)},
	"idemkey": {matchFunc(ValidIdempotencyKey), regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)},
}

// matchFunc is a func as a matcher (ValidIdempotencyKey, from validate).
type matchFunc func(string) bool

func (f matchFunc) MatchString(s string) bool { return f(s) }

func checkMatchers(t *testing.T, s string) {
	t.Helper()
	for name, p := range patternRegexps {
		want := p.re.MatchString(s)
		if name == "seat" { // and no trailing space or two spaces in a row
			want = want && !strings.HasSuffix(s, " ") && !strings.Contains(s, "  ")
		}
		if got := p.m.MatchString(s); got != want {
			t.Errorf("%s pattern on %q: matcher %v, regexp %v", name, s, got, want)
		}
	}
}

// TestMatchersEqualRegexps pins each hand-written matcher to its regular
// expression, at the edges of every class and length.
func TestMatchersEqualRegexps(t *testing.T) {
	cases := []string{"", "a", "A", "0", "_", ".", "-a", "a-", "a.b:c_d-e", "web", "box_office", "Web", "w3b", "3web",
		"0", "00", "01", "10", "0.", "0.5", "0.50", "0.505", "2500.00", "2500", ".5", "1.a", "1e3", "-1", "+1", " 1", "1 ",
		"A1", "R1-1", "Ряд 5", "5 ряд", "a/b", "a b", " a", "R1-1 ", "R1  1", "Ряд 5 ", "Ряд  5", "a ", "ü", "a\n", "a\x00", "\x7f", "~", "!", "a~", "٣", "Ⅻ", "a😀"}
	for _, n := range []int{31, 32, 33, 63, 64, 65, 254, 255, 256} {
		cases = append(cases, strings.Repeat("a", n), "a"+strings.Repeat("é", n-1), strings.Repeat("1", n)+".00")
	}
	for c := 0; c < 256; c++ {
		cases = append(cases, string(rune(c)), "a"+string([]byte{byte(c)}), "1."+string([]byte{byte(c)}))
	}
	for _, s := range cases {
		checkMatchers(t, s)
	}
}

// FuzzMatchers compares the matchers with the regular expressions.
func FuzzMatchers(f *testing.F) {
	for _, s := range []string{"A1", "2500.00", "box_office", "k-1", "Ряд 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkMatchers(t, s) })
}
