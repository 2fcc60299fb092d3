package ingest

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// decodeSaleBody decodes a sale entry's body. The bodies the writer
// encodes (encoding/json of saleBody: its members in order, no white
// space, strings without escapes in practice) are read by a strict scanner
// of that layout, which is several times cheaper than encoding/json; any
// other bytes (an escape in a string, another order, white space, a
// missing seat…) are decoded by encoding/json as before, so the result is
// always what json.Unmarshal gives.
func decodeSaleBody(b []byte, body *saleBody) error {
	if fastSaleBody(b, body) == nil {
		return nil
	}
	*body = saleBody{}
	return decodeBody(b, body)
}

var errNotCanonical = errors.New("not the canonical layout")

// bodyScanner reads the canonical layout: literal punctuation and member
// names, and strings without backslashes or control characters.
type bodyScanner struct {
	b []byte
	i int
}

func (s *bodyScanner) lit(l string) bool {
	if len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		return false
	}
	s.i += len(l)
	return true
}

// str reads the rest of a string whose opening quote was read as part of
// a literal, and its closing quote.
func (s *bodyScanner) str() (string, bool) {
	j := plainString(s.b[s.i:])
	if j < 0 {
		return "", false
	}
	v := s.b[s.i : s.i+j]
	s.i += j + 1
	return string(v), true
}

func fastSaleBody(b []byte, body *saleBody) error {
	s := &bodyScanner{b: b}
	var ok bool
	next := func(l string, dst *string) {
		if ok {
			ok = s.lit(l)
		}
		if ok {
			*dst, ok = s.str()
		}
	}
	ok = true
	next(`{"cinema_id":"`, &body.CinemaID)
	next(`,"screening_id":"`, &body.ScreeningID)
	next(`,"film_id":"`, &body.FilmID)
	next(`,"box_office_day":"`, &body.BoxOfficeDay)
	if !ok || !s.lit(`,"tickets":[`) {
		return errNotCanonical
	}
	body.Tickets = make([]saleBodyTicket, 0, bytes.Count(b[s.i:], []byte(`{"id":"`)))
	for first := true; ; first = false {
		if s.lit(`]}`) {
			break
		}
		if !first && !s.lit(`,`) {
			return errNotCanonical
		}
		var t saleBodyTicket
		next(`{"id":"`, &t.ID)
		next(`,"sold_at":"`, &t.SoldAt)
		next(`,"sale_date":"`, &t.SaleDate)
		next(`,"price":"`, &t.Price)
		next(`,"category":"`, &t.Category)
		if ok && s.lit(`,"seat":"`) {
			t.Seat, ok = s.str()
		}
		next(`,"channel":"`, &t.Channel)
		if !ok || !s.lit(`}`) {
			return errNotCanonical
		}
		body.Tickets = append(body.Tickets, t)
	}
	if s.i != len(b) || len(body.Tickets) == 0 {
		return errNotCanonical
	}
	return nil
}

// plainString returns the length of the string that starts b and ends at
// the first quote, or -1 if there is no quote or the string is not plain:
// a backslash, a control character or invalid UTF-8 (which encoding/json
// would replace) leaves it to encoding/json. Both sale scanners use it.
func plainString(b []byte) int {
	j := bytes.IndexByte(b, '"')
	if j < 0 {
		return -1
	}
	ascii := true
	for _, c := range b[:j] {
		if c == '\\' || c < 0x20 {
			return -1
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if !ascii && !utf8.Valid(b[:j]) {
		return -1
	}
	return j
}
