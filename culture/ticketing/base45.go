package ticketing

import (
	"errors"
	"fmt"
	"strings"
)

// Base45 (RFC 9285): every two bytes become three characters of a 45
// character alphabet, a last odd byte two; the alphabet is the QR code's
// alphanumeric set, so a code fills a QR symbol in alphanumeric mode.

const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Index = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// errBase45 is a string that is not Base45.
var errBase45 = errors.New("not Base45")

// base45Encode encodes b as RFC 9285 section 4 says.
func base45Encode(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b)/2*3 + 2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])*256 + int(b[i+1])
		c, n := n%45, n/45
		d, e := n%45, n/45
		sb.WriteByte(base45Alphabet[c])
		sb.WriteByte(base45Alphabet[d])
		sb.WriteByte(base45Alphabet[e])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		sb.WriteByte(base45Alphabet[n%45])
		sb.WriteByte(base45Alphabet[n/45])
	}
	return sb.String()
}

// base45Decode decodes s, refusing characters outside the alphabet, a
// dangling single character and groups whose value does not fit (RFC 9285
// section 4.2: such strings are invalid, not truncated).
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("%w: length %d leaves a single character", errBase45, len(s))
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		var v [3]int
		m := min(3, len(s)-i)
		for j := range m {
			x := base45Index[s[i+j]]
			if x < 0 {
				return nil, fmt.Errorf("%w: character %q at %d", errBase45, s[i+j], i+j)
			}
			v[j] = int(x)
		}
		if m == 3 {
			n := v[0] + v[1]*45 + v[2]*45*45
			if n > 0xFFFF {
				return nil, fmt.Errorf("%w: group %q at %d is over 65535", errBase45, s[i:i+3], i)
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			n := v[0] + v[1]*45
			if n > 0xFF {
				return nil, fmt.Errorf("%w: group %q at %d is over 255", errBase45, s[i:i+2], i)
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}
