package ticketing

import (
	"bytes"
	"testing"
)

// The examples of RFC 9285 sections 4.3 and 4.4.
func TestBase45RFC9285Vectors(t *testing.T) {
	for _, v := range []struct{ in, out string }{
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"", ""},
	} {
		if got := base45Encode([]byte(v.in)); got != v.out {
			t.Errorf("encode %q = %q, want %q", v.in, got, v.out)
		}
		got, err := base45Decode(v.out)
		if err != nil || !bytes.Equal(got, []byte(v.in)) {
			t.Errorf("decode %q = %q, %v; want %q", v.out, got, err, v.in)
		}
	}
}

func TestBase45RejectsInvalid(t *testing.T) {
	// GGW is 65535+1 = 65536 (16 + 16*45 + 32*2025): over two bytes.
	for _, s := range []string{"A", "BB8A", "bb8", "GGW", ":::", "BB8\n"} {
		if _, err := base45Decode(s); err == nil {
			t.Errorf("decode %q: no error", s)
		}
	}
}

func TestBase45RoundTripAllBytes(t *testing.T) {
	b := make([]byte, 257)
	for i := range b {
		b[i] = byte(i * 7)
	}
	for n := range len(b) {
		got, err := base45Decode(base45Encode(b[:n]))
		if err != nil || !bytes.Equal(got, b[:n]) {
			t.Fatalf("round trip of %d bytes: %v", n, err)
		}
	}
}
