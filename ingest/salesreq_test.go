package ingest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomSalesBody is a POST /v1/sales body as a client might send it: the
// members in any order, white space anywhere between tokens, nulls,
// missing members and, now and then, what the scanner must hand to
// encoding/json (escapes, numbers, a name in another case, a repeated or
// unknown member, bad UTF-8, trailing data).
func randomSalesBody(r *rand.Rand) []byte {
	ws := func() string {
		if r.IntN(3) > 0 {
			return ""
		}
		return []string{" ", "\n", "\t", "\r\n  ", "  "}[r.IntN(5)]
	}
	val := func(s string) string {
		switch r.IntN(40) {
		case 0:
			return "null"
		case 1:
			return "12"
		case 2:
			return `"` + s + `\u0041"`
		case 3:
			return `"` + s + "\xff\"" // bad UTF-8
		case 4:
			return `"Ряд ` + s + `"`
		case 5:
			return `""`
		case 6:
			return "true"
		}
		return `"` + s + `"`
	}
	obj := func(members [][2]string) string {
		r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		var b strings.Builder
		b.WriteString(ws() + "{")
		n := 0
		for _, m := range members {
			if r.IntN(25) == 0 {
				continue // missing
			}
			if n > 0 {
				b.WriteString(ws() + ",")
			}
			name := m[0]
			switch r.IntN(60) {
			case 0:
				name = strings.ToUpper(name[:1]) + name[1:]
			case 1:
				name = "extra"
			case 2:
				name = name[:1] + `\u00` + fmt.Sprintf("%x", name[1]) + name[2:]
			}
			b.WriteString(ws() + `"` + name + `"` + ws() + ":" + ws() + m[1])
			if r.IntN(80) == 0 { // repeated
				b.WriteString(ws() + `,"` + name + `":` + m[1])
			}
			n++
		}
		b.WriteString(ws() + "}")
		return b.String()
	}
	prices := []string{"2500.00", "0", "1000000.00", "1000000.01", "12.345", "-1", "01", "2500"}
	cats := []string{"adult", "child", "complimentary", "Adult", "vip"}
	times := []string{"2026-11-30T10:00:00+05:00", "2026-11-30T10:00:00.123456789Z", "2026-11-30 10:00", "1999-01-01T00:00:00Z"}
	var tickets []string
	for i := range r.IntN(5) {
		ms := [][2]string{
			{"id", val(fmt.Sprintf("t-%d", i))},
			{"sold_at", val(times[r.IntN(len(times))])},
			{"price", val(prices[r.IntN(len(prices))])},
			{"category", val(cats[r.IntN(len(cats))])},
			{"channel", val([]string{"web", "box_office", "Web"}[r.IntN(3)])},
		}
		if r.IntN(2) == 0 {
			ms = append(ms, [2]string{"seat", val(fmt.Sprintf("R%d-%d", i, r.IntN(30)))})
		}
		tickets = append(tickets, obj(ms))
	}
	tv := ws() + "[" + strings.Join(tickets, ws()+",") + ws() + "]"
	switch r.IntN(30) {
	case 0:
		tv = "null"
	case 1:
		tv = `"x"`
	case 2:
		tv = "[1]"
	}
	b := obj([][2]string{{"screening_id", val("s-1")}, {"tickets", tv}}) + ws()
	switch r.IntN(40) {
	case 0:
		b += "{}"
	case 1:
		b = b[:len(b)/2]
	case 2:
		b = "null"
	}
	return []byte(b)
}

// parseSalesNamed is ParseSales as it was before the scanner and
// validTicket: encoding/json, every field of every ticket named.
func parseSalesNamed(data []byte) (*Sale, error) {
	var in salesJSON
	if err := decodeStrict(data, &in); err != nil {
		return nil, err
	}
	if len(in.Tickets) > maxTickets {
		return nil, tooMany(len(in.Tickets))
	}
	var v fieldErrs
	s := &Sale{ScreeningID: requireID(&v, "screening_id", in.ScreeningID)}
	if len(in.Tickets) == 0 {
		v.add("tickets", "required", "at least one ticket is required")
	}
	s.Tickets = make([]Ticket, 0, len(in.Tickets))
	for i, t := range in.Tickets {
		f := func(name string) string { return fmt.Sprintf("tickets[%d].%s", i, name) }
		tk := Ticket{
			ID:       requireID(&v, f("id"), t.ID),
			SoldAt:   requireTime(&v, f("sold_at"), t.SoldAt),
			Category: requireCategory(&v, f("category"), t.Category),
			Channel:  requirePattern(&v, f("channel"), t.Channel, channelPattern, "a lowercase word such as box_office or web"),
		}
		tk.Price = requirePrice(&v, f("price"), t.Price)
		if t.Seat != nil {
			if seatPattern.MatchString(*t.Seat) {
				tk.Seat = *t.Seat
			} else {
				v.add(f("seat"), "invalid_format", "a seat is 1 to 32 letters, digits, single spaces or . _ : / -, starting with a letter or digit and not ending with a space")
			}
		}
		s.Tickets = append(s.Tickets, tk)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ids := make(map[string]int, len(s.Tickets))
	seats := make(map[string]int, len(s.Tickets))
	for i, t := range s.Tickets {
		if j, ok := ids[t.ID]; ok {
			return nil, fieldErr(newErr(ErrDuplicateTicket, "ticket %q appears twice in the request (tickets[%d] and tickets[%d])", t.ID, j, i), ticketField(i))
		}
		ids[t.ID] = i
		if t.Seat == "" {
			continue
		}
		if j, ok := seats[t.Seat]; ok {
			return nil, fieldErr(newErr(ErrSeatAlreadySold, "seat %q is sold twice in the request (tickets[%d] and tickets[%d])", t.Seat, j, i),
				fmt.Sprintf("tickets[%d].seat", i))
		}
		seats[t.Seat] = i
	}
	return s, nil
}

// checkSalesBody: decodeSales gives decodeStrict's result and error, and
// ParseSales gives parseSalesNamed's. It reports whether the scanner took
// the body.
func checkSalesBody(t *testing.T, b []byte) bool {
	t.Helper()
	var got, want salesJSON
	fast := fastSales(b, &got)
	got = salesJSON{}
	gerr := decodeSales(b, &got)
	werr := decodeStrict(b, &want)
	if !reflect.DeepEqual(gerr, werr) || !reflect.DeepEqual(got, want) {
		t.Errorf("%q:\nencoding/json %+v, %v\ndecodeSales %+v, %v", b, want, werr, got, gerr)
	}
	if fast && werr != nil {
		t.Errorf("%q: the scanner took a body encoding/json refuses (%v)", b, werr)
	}
	gs, gerr := ParseSales(b)
	ws, werr := parseSalesNamed(b)
	if !reflect.DeepEqual(gerr, werr) || !reflect.DeepEqual(gs, ws) {
		t.Errorf("%q:\nnamed %+v, %v\nParseSales %+v, %v", b, ws, werr, gs, gerr)
	}
	return fast
}

// TestDecodeSalesEqualsJSON: on 20,000 random bodies (and the edge cases
// below) the scanner and validTicket change nothing: decodeSales gives
// encoding/json's result and error, ParseSales what it gave before.
func TestDecodeSalesEqualsJSON(t *testing.T) {
	for _, s := range []string{
		`{"screening_id":"s-1","tickets":[{"id":"t1","sold_at":"2026-11-30T10:00:00+05:00","price":"2500.00","category":"adult","seat":"A1","channel":"web"}]}`,
		` {"tickets" : [ ] , "screening_id" : null } `,
		`{"tickets":null}`, `{}`, `null`, `[]`, `{"screening_id":"s"}{}`, `{"screening_id":"s",}`,
		`{"screening_id":"s","screening_id":"t"}`, `{"SCREENING_ID":"s"}`, `{"screening_id":"a\"b"}`,
		`{"screening_id":"s","tickets":[{"id":"t1"},]}`, `{"screening_id":"s","tickets":[{"id":"t1"}`,
		`{"screening_id":"s","tickets":[{"id":"t1","seat":null}]}`, `{"screening_id":"s","tickets":[{"id":"t1","id":"t2"}]}`,
		`{"screening_id":"s","tickets":[{"id":"t1","sold_at":"2026-11-30T10:00:00Z","price":"1","category":"adult","channel":"web","seat":""}]}`,
		`{"screening_id":"s","tickets":[{"id":"t1","sold_at":"2026-11-30T10:00:00Z","price":"1","category":"adult","channel":"web"},{"id":"t1","sold_at":"2026-11-30T10:00:00Z","price":"1","category":"adult","channel":"web"}]}`,
		"{\"screening_id\":\"s\x01\"}", "{\"screening_id\":\"s\xc3\"}", `{"screening_id":"Ряд"}`, `nul`, ``, `{"screening_id":nullx}`,
	} {
		checkSalesBody(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(10, 30))
	fast := 0
	const n = 20000
	for range n {
		if checkSalesBody(t, randomSalesBody(r)) {
			fast++
		}
	}
	if fast < n/10 || fast == n {
		t.Errorf("the scanner took %d of %d bodies: the generator does not exercise both paths", fast, n)
	}
}

// FuzzDecodeSales compares decodeSales and ParseSales with encoding/json
// and the named validation on any bytes.
func FuzzDecodeSales(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		f.Add(randomSalesBody(r))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkSalesBody(t, b) })
}

// BenchmarkParseSales: ParseSales against the named encoding/json path on
// a POS body of 3 and of 100 tickets as the load generator sends them.
func BenchmarkParseSales(b *testing.B) {
	for _, n := range []int{3, 100} {
		var tk []string
		for i := range n {
			tk = append(tk, fmt.Sprintf(`{"id":"pbatch-w1-2-%d","sold_at":"2026-11-30T10:00:00.123456Z","price":"2500.00","category":"adult","seat":"R%d-%d","channel":"web"}`, i, i/25+1, i%25+1))
		}
		body := []byte(`{"screening_id":"pbatch-scr-1","tickets":[` + strings.Join(tk, ",") + `]}`)
		for name, parse := range map[string]func([]byte) (*Sale, error){"ParseSales": ParseSales, "named": parseSalesNamed} {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := parse(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
