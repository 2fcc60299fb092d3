package library

import (
	"errors"
	"testing"
)

func TestNormaliseISBN(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"978-601-7151-13-3", "9786017151133", nil},  // Kazakhstan range 978-601
		{"9780306406157", "9780306406157", nil},      // the ISBN-13 of ISO 2108's example
		{"0-306-40615-2", "9780306406157", nil},      // its ISBN-10, converted
		{"0 306 40615 2", "9780306406157", nil},      // spaces as separators
		{"080442957X", "9780804429573", nil},         // X check digit
		{"080442957x", "9780804429573", nil},         // lower-case x
		{"979-10-90636-07-1", "9791090636071", nil},  // 979-1 (France) is a book range
		{"9790260000438", "", errISBNMusic},          // 979-0 is ISMN, printed music
		{"979-0-2600-0043-8", "", errISBNMusic},      // with hyphens
		{"9780306406158", "", errISBNChecksum},       // wrong ISBN-13 check digit
		{"0306406153", "", errISBNChecksum},          // wrong ISBN-10 check digit
		{"9770306406150", "", errISBNPrefix},         // 977 is ISSN, not ISBN
		{"97803064061", "", errISBNLength},           // too short
		{"978030640615X", "", errISBNLength},         // X in an ISBN-13
		{"X306406152", "", errISBNLength},            // X not last
		{"", "", errISBNLength},                      // empty
		{"978-601-7151-13-3-", "9786017151133", nil}, // a trailing hyphen is only a separator
		{"９７８０３０６４０６１５７", "", errISBNLength},         // full-width digits are not digits
	} {
		got, err := normaliseISBN(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("NormaliseISBN(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

// TestISBN10To13AllCheckDigits: every ISBN-10 check digit (0..9, X)
// converts to an ISBN-13 that itself validates.
func TestISBN10To13AllCheckDigits(t *testing.T) {
	seen := map[byte]bool{}
	for n := 0; n < 2000 && len(seen) < 11; n++ {
		body := []byte("30640")
		for _, d := range []int{n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10} {
			body = append(body, byte('0'+d))
		}
		sum := 0
		for i, c := range body {
			sum += (10 - i) * int(c-'0')
		}
		check := (11 - sum%11) % 11
		c := byte('0' + check)
		if check == 10 {
			c = 'X'
		}
		seen[c] = true
		isbn10 := string(append(body, c))
		got, err := normaliseISBN(isbn10)
		if err != nil {
			t.Fatalf("%s: %v", isbn10, err)
		}
		if again, err := normaliseISBN(got); err != nil || again != got {
			t.Fatalf("%s -> %s does not validate as ISBN-13: %v", isbn10, got, err)
		}
	}
	if len(seen) != 11 {
		t.Fatalf("covered check digits %v", seen)
	}
}
