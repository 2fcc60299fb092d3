package ingest

import "strings"

// Hand-written matchers of the ASCII patterns a sale is validated with:
// each request checks several per ticket, and the regexp engine was a tenth
// of the server's CPU under batch sales. TestMatchersEqualRegexps pins each
// to its regular expression.

// matcher is what the validators need of a pattern.
type matcher interface{ MatchString(string) bool }

// asciiPattern matches ^[first][rest]{0,maxRest}$ over ASCII classes.
type asciiPattern struct {
	first, rest *[256]bool
	minRest     int
	maxRest     int
}

func (p asciiPattern) MatchString(s string) bool {
	if len(s) < 1+p.minRest || len(s) > 1+p.maxRest || !p.first[s[0]] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !p.rest[s[i]] {
			return false
		}
	}
	return true
}

// byteClass is the set of the bytes of ranges ("az") and single bytes.
func byteClass(ranges ...string) *[256]bool {
	var c [256]bool
	for _, r := range ranges {
		if len(r) == 2 {
			for b := int(r[0]); b <= int(r[1]); b++ {
				c[b] = true
			}
			continue
		}
		for i := 0; i < len(r); i++ {
			c[r[i]] = true
		}
	}
	return &c
}

var (
	alnum        = byteClass("AZ", "az", "09")
	lower        = byteClass("az")
	wordRest     = byteClass("az", "09", "_")
	printable    = byteClass("\x21\x7e")
	digitClass   = byteClass("09")
	nonZeroDigit = byteClass("19")
)

// priceMatcher matches ^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$.
type priceMatcher struct{}

func (priceMatcher) MatchString(s string) bool {
	i := 0
	switch {
	case len(s) == 0:
		return false
	case s[0] == '0':
		i = 1
	case nonZeroDigit[s[0]]:
		for i = 1; i < len(s) && digitClass[s[i]]; i++ {
		}
	default:
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' {
		return false
	}
	frac := s[i+1:]
	if len(frac) < 1 || len(frac) > 2 {
		return false
	}
	for j := 0; j < len(frac); j++ {
		if !digitClass[frac[j]] {
			return false
		}
	}
	return true
}

// seatMatcher matches ^[\p{L}\p{N}][\p{L}\p{N} ._:/-]{0,31}$ without a
// trailing space or two spaces in a row (so "R5-12 " or "R5  12" cannot sell
// the seat "R5-12" or "R5 12" a second time): ASCII seats by table, others
// by the regular expression.
type seatMatcher struct{ re matcher }

var seatRest = byteClass("AZ", "az", "09", " ._:/-")

func (m seatMatcher) MatchString(s string) bool {
	if strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return m.re.MatchString(s)
		}
	}
	return asciiPattern{first: alnum, rest: seatRest, maxRest: 31}.MatchString(s)
}
