package validate

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// timeProfileRE is the profile inTimeProfile checks by hand, as the
// regular expression it replaced (without the offset's range).
var timeProfileRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-]([0-9]{2}):([0-9]{2}))$`)

// wantProfile is the old answer: the regular expression, then the
// offset's range.
func wantProfile(s string) (bool, string) {
	m := timeProfileRE.FindStringSubmatch(s)
	if m == nil {
		return false, ""
	}
	if m[2] != "Z" && (m[3] > "23" || m[4] > "59") {
		return false, m[2]
	}
	return true, ""
}

// TestInTimeProfileEqualsRegexp: the hand-written check gives the
// regular expression's answer on the edge cases and on strings mutated
// from valid ones.
func TestInTimeProfileEqualsRegexp(t *testing.T) {
	cases := []string{"", "Z", "2026-03-01T19:30:00Z", "2026-03-01T19:30:00+05:00", "2026-03-01T19:30:00-23:59",
		"2026-03-01T19:30:00+24:00", "2026-03-01T19:30:00+05:60", "2026-03-01T19:30:00.1Z", "2026-03-01T19:30:00.123456789Z",
		"2026-03-01T19:30:00.1234567890Z", "2026-03-01T19:30:00.Z", "2026-03-01T19:30:00,5Z", "2026-03-01t19:30:00Z",
		"2026-03-01T19:30:00z", "2026-03-01T19:30:00", "2026-03-01T19:30Z", "2026-03-01T19:30:00+0500", "2026-03-01T19:30:00+05:00 ",
		" 2026-03-01T19:30:00Z", "2026-3-01T19:30:00Z", "2026-03-01T19:30:00.5+05:00", "2026-03-01T19:30:00.5+5:00",
		"2026-03-01T19:30:00ZZ", "2026-03-01T19:30:00+05:00Z", "9999-99-99T99:99:99Z", "2026-03-01T19:30:00.5"}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789-+:.TZtz ,"
	for i := 0; i < 20000; i++ {
		b := []byte(cases[2+r.IntN(4)])
		for k := r.IntN(3) + 1; k > 0; k-- {
			switch p := r.IntN(len(b) + 1); r.IntN(3) {
			case 0:
				if p < len(b) {
					b[p] = alphabet[r.IntN(len(alphabet))]
				}
			case 1:
				b = append(b[:p], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[p:]...)...)
			default:
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			}
		}
		cases = append(cases, string(b))
	}
	accepted := 0
	for _, s := range cases {
		ok, off := inTimeProfile(s)
		wok, woff := wantProfile(s)
		if ok != wok || off != woff {
			t.Fatalf("inTimeProfile(%q) = %v, %q; the regular expression: %v, %q", s, ok, off, wok, woff)
		}
		if ok {
			accepted++
		}
	}
	if accepted < 500 {
		t.Fatalf("only %d of %d cases accepted: the mutations are too coarse", accepted, len(cases))
	}
}
