package library

import (
	"errors"
	"strings"
)

// ISBN errors; each says what is wrong for the client.
var (
	errISBNLength   = errors.New("an ISBN has 13 digits (or 10, the last of which may be X)")
	errISBNPrefix   = errors.New("an ISBN-13 starts with 978 or 979")
	errISBNMusic    = errors.New("979-0 is the ISMN range for printed music, not a book ISBN")
	errISBNChecksum = errors.New("the ISBN check digit does not match")
)

// normaliseISBN returns the 13 digits of an ISBN-13, or of the ISBN-10
// converted to ISBN-13 (978 + its first nine digits + a new check digit).
// Hyphens and spaces are ignored. The check digit is verified in both
// forms (ISO 2108: ISBN-13 weights 1,3,1,3,… modulo 10; ISBN-10 weights
// 10..1 modulo 11 with X for 10). ISBNs under 979-0 are refused: that
// prefix is the ISMN range for printed music.
func normaliseISBN(s string) (string, error) {
	d := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, s)
	switch len(d) {
	case 10:
		sum := 0
		for i := range 10 {
			c := d[i]
			var v int
			switch {
			case c >= '0' && c <= '9':
				v = int(c - '0')
			case (c == 'X' || c == 'x') && i == 9:
				v = 10
			default:
				return "", errISBNLength
			}
			sum += (10 - i) * v
		}
		if sum%11 != 0 {
			return "", errISBNChecksum
		}
		body := "978" + d[:9]
		return body + string(rune('0'+isbn13Check(body))), nil
	case 13:
		for i := range 13 {
			if d[i] < '0' || d[i] > '9' {
				return "", errISBNLength
			}
		}
		if d[:3] != "978" && d[:3] != "979" {
			return "", errISBNPrefix
		}
		if d[:4] == "9790" {
			return "", errISBNMusic
		}
		if int(d[12]-'0') != isbn13Check(d[:12]) {
			return "", errISBNChecksum
		}
		return d, nil
	}
	return "", errISBNLength
}

// isbn13Check is the check digit of twelve ISBN-13 digits.
func isbn13Check(twelve string) int {
	sum := 0
	for i := range 12 {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += w * int(twelve[i]-'0')
	}
	return (10 - sum%10) % 10
}
