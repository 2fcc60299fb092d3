package ingest

import (
	"bytes"
	"time"

	"ecinema/validate"
)

// decodeSales decodes a POST /v1/sales body into in. Bodies made only of
// objects with the exact member names, strings without escapes or
// control characters, null and JSON white space (what every POS client
// sends) are read by a scanner, several times cheaper than encoding/json;
// anything else (an escape, a number, a name in another case, a repeated
// or unknown member, bad UTF-8, trailing data…) goes to decodeStrict, so
// the result and every error are exactly encoding/json's
// (TestDecodeSalesEqualsJSON, FuzzDecodeSales).
func decodeSales(data []byte, in *salesJSON) error {
	if len(data) <= validate.MaxBodyBytes && fastSales(data, in) {
		return nil
	}
	*in = salesJSON{}
	return decodeStrict(data, in)
}

// reqScanner reads the simple JSON described at decodeSales. Its strings
// are substrings of str, one copy of the whole body.
type reqScanner struct {
	b   []byte
	str string
	i   int
}

func (s *reqScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// tok reads white space and then c.
func (s *reqScanner) tok(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// null reads white space and then the literal null.
func (s *reqScanner) null() bool {
	s.ws()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// string reads white space and a string without backslashes or control
// characters, in valid UTF-8 (encoding/json would replace bad bytes).
func (s *reqScanner) string() (string, bool) {
	if !s.tok('"') {
		return "", false
	}
	j := plainString(s.b[s.i:])
	if j < 0 {
		return "", false
	}
	s.i += j + 1
	return s.str[s.i-j-1 : s.i-1], true
}

// strOrNull reads a string into *v (dst points to it) or null (dst is
// nil), as encoding/json fills a *string.
func (s *reqScanner) strOrNull(dst **string, v *string) bool {
	if s.null() {
		*dst = nil
		return true
	}
	var ok bool
	if *v, ok = s.string(); ok {
		*dst = v
	}
	return ok
}

// object reads an object whose members member reads after their name and
// colon; a member name may appear once (member gets its index in names).
func (s *reqScanner) object(names []string, member func(int) bool) bool {
	if !s.tok('{') {
		return false
	}
	if s.tok('}') {
		return true
	}
	var seen uint32
	for {
		k, ok := s.string()
		if !ok || !s.tok(':') {
			return false
		}
		n := -1
		for i, name := range names {
			if k == name {
				n = i
				break
			}
		}
		if n < 0 || seen&(1<<n) != 0 || !member(n) {
			return false
		}
		seen |= 1 << n
		if s.tok(',') {
			continue
		}
		return s.tok('}')
	}
}

var (
	salesNames  = []string{"screening_id", "tickets"}
	ticketNames = []string{"id", "sold_at", "price", "category", "seat", "channel"}
)

func fastSales(data []byte, in *salesJSON) bool {
	s := &reqScanner{b: data, str: string(data)}
	var screening string
	ok := s.object(salesNames, func(n int) bool {
		if n == 0 {
			return s.strOrNull(&in.ScreeningID, &screening)
		}
		if s.null() {
			in.Tickets = nil
			return true
		}
		if !s.tok('[') {
			return false
		}
		// Room for the tickets (a hostile body of "id"s gets no more
		// than a request may hold; ParseSales refuses more).
		count := min(bytes.Count(data[s.i:], []byte(`"id"`)), maxTickets+1)
		in.Tickets = make([]ticketJSON, 0, count)
		// The strings the tickets point to, len(ticketNames) a ticket.
		vals := make([]string, 0, len(ticketNames)*count)
		if s.tok(']') {
			return true
		}
		for {
			in.Tickets = append(in.Tickets, ticketJSON{})
			t := &in.Tickets[len(in.Tickets)-1]
			f := [...]**string{&t.ID, &t.SoldAt, &t.Price, &t.Category, &t.Seat, &t.Channel}
			if len(vals)+len(f) > cap(vals) {
				vals = make([]string, 0, len(f)*8)
			}
			v := vals[len(vals) : len(vals)+len(f)]
			vals = vals[:len(vals)+len(f)]
			if !s.object(ticketNames, func(n int) bool { return s.strOrNull(f[n], &v[n]) }) {
				return false
			}
			if s.tok(',') {
				continue
			}
			return s.tok(']')
		}
	})
	s.ws()
	return ok && s.i == len(data)
}

// validTicket validates a ticket that has no invalid field, without
// naming its fields (ParseSales names them only for a ticket that has
// one): ok is false when any field is missing or invalid.
func validTicket(t ticketJSON) (tk Ticket, ok bool) {
	if t.ID == nil || !validate.MatchID(*t.ID) || t.SoldAt == nil || t.Category == nil || t.Channel == nil ||
		t.Price == nil || !channelPattern.MatchString(*t.Channel) || (t.Seat != nil && !seatPattern.MatchString(*t.Seat)) {
		return Ticket{}, false
	}
	at, err := validate.ParseTime(*t.SoldAt)
	if err != nil || !validate.InRange(at, validate.MinOperational, validate.MaxOperational) {
		return Ticket{}, false
	}
	cat := ""
	for _, c := range priceCategories {
		if *t.Category == c {
			cat = c
		}
	}
	if cat == "" {
		return Ticket{}, false
	}
	price, err := parsePrice(*t.Price)
	if err != nil {
		return Ticket{}, false
	}
	tk = Ticket{ID: *t.ID, SoldAt: at.UTC().Truncate(time.Microsecond), Price: price, Category: cat, Channel: *t.Channel}
	if t.Seat != nil {
		tk.Seat = *t.Seat
	}
	return tk, true
}
