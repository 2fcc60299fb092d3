package ledger

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// TestDecodeBase64 compares decodeBase64 with the standard library's strict
// decoder (and no CR or LF, which that one skips) on random encodings and
// mutations of them: bad characters, padding in the wrong place, cut
// lengths, padding bits set.
func TestDecodeBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	check := func(s []byte) {
		want := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Strict().Decode(want, s)
		wantOK := err == nil && bytes.IndexByte(s, '\r') < 0 && bytes.IndexByte(s, '\n') < 0
		got := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		m, ok := decodeBase64(got, s)
		if ok != wantOK || ok && !bytes.Equal(got[:m], want[:n]) {
			t.Fatalf("decodeBase64(%q) = %v %x, want %v %x (%v)", s, ok, got[:m], wantOK, want[:n], err)
		}
	}
	for i := range 300000 {
		b := make([]byte, r.IntN(60))
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		s := []byte(base64.StdEncoding.EncodeToString(b))
		switch i % 4 {
		case 1:
			if len(s) > 0 {
				s[r.IntN(len(s))] = "A=+/\n\r\x00z\xc3-_ "[r.IntN(12)]
			}
		case 2:
			s = s[:r.IntN(len(s)+1)]
		case 3:
			if len(s) > 0 { // a neighbour of the last character: padding bits
				s[len(s)-1-r.IntN(min(3, len(s)))] ^= byte(1 + r.IntN(3))
			}
		}
		check(s)
	}
	for _, s := range []string{"", "=", "==", "===", "====", "A===", "AA==", "AB==", "AAA=", "AAB=", "AAAA", "AAAA====", "AA==AAAA", "AA=A"} {
		check([]byte(s))
	}
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "AA==", "AAA=", "AAAA", "ey" + "J2IjoxfQ==", "AB==", "A\nAA"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		want := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Strict().Decode(want, s)
		wantOK := err == nil && bytes.IndexByte(s, '\r') < 0 && bytes.IndexByte(s, '\n') < 0
		got := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		m, ok := decodeBase64(got, s)
		if ok != wantOK || ok && !bytes.Equal(got[:m], want[:n]) {
			t.Fatalf("decodeBase64(%q) = %v %x, want %v %x (%v)", s, ok, got[:m], wantOK, want[:n], err)
		}
	})
}
