package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/kztime"
)

// randomBodyString is mostly a plain id, sometimes a string that
// encoding/json escapes or replaces (quotes, backslashes, HTML
// characters, control characters, U+2028, non-ASCII, invalid UTF-8).
func randomBodyString(r *rand.Rand, base string) string {
	odd := []string{`"`, `\`, "<&>", "\x01", "\u2028", "\u2029", "Ряд 5", "\xff", "\t", "é", "\x7f", "日本"}
	if r.IntN(8) != 0 {
		return fmt.Sprintf("%s%d", base, r.IntN(1000))
	}
	return base + odd[r.IntN(len(odd))] + fmt.Sprint(r.IntN(10))
}

func randomSale(r *rand.Rand) *Sale {
	n := 1 + r.IntN(12)
	if r.IntN(10) == 0 {
		n = 100
	}
	s := &Sale{ScreeningID: randomBodyString(r, "s"), Tickets: make([]Ticket, n)}
	base := time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	for i := range s.Tickets {
		// Around local midnight (UTC+5) so that one sale spans two dates;
		// sometimes nanoseconds and another zone, which the body drops.
		at := base.Add(time.Duration(r.IntN(48*3600)) * time.Second).Add(time.Duration(r.IntN(1e6)) * time.Microsecond)
		if r.IntN(5) == 0 {
			at = at.Add(time.Duration(r.IntN(1000))).In(time.FixedZone("x", 3*3600))
		}
		seat := ""
		if r.IntN(3) != 0 {
			seat = randomBodyString(r, "R")
		}
		cents := []int64{0, 1, 250000, 199999, 100000000, int64(r.IntN(1e8))}[r.IntN(6)]
		s.Tickets[i] = Ticket{ID: randomBodyString(r, "t"), SoldAt: at, Price: decimal.New(cents, -2).Truncate(int32(r.IntN(3))),
			Category: []string{"adult", "child", "student"}[r.IntN(3)], Seat: seat, Channel: randomBodyString(r, "web")}
	}
	return s
}

// TestSaleEntryLiveEqualsParsed: on random sales, the body the live path
// builds (newSaleTickets in the request's goroutine, appendSaleBody in
// the writer) is byte for byte what encoding/json gives for the saleBody
// the writer built before, and the rows the live path projects
// (salesRowsOf of the saleEntry it kept) are the rows salesProjection
// computes by parsing those bodies, as verify --deep does.
func TestSaleEntryLiveEqualsParsed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var live []saleEntry
		var bodies []bodyEntry
		for k := range 1 + r.IntN(20) {
			sale := randomSale(r)
			cinema, film := randomBodyString(r, "c"), randomBodyString(r, "f")
			if r.IntN(2) == 0 && len(live) > 0 { // runs share screenings and sales_daily rows
				cinema, sale.ScreeningID, film = live[0].cinema, live[0].screening, live[0].film
			}
			bodStr := time.Date(2026, 11, 1+r.IntN(30), 0, 0, 0, 0, time.UTC).Format(dateLayout)
			tickets, parsed, err := newSaleTickets(sale)
			if err != nil {
				t.Fatal(err)
			}
			body := appendSaleBody(nil, cinema, sale.ScreeningID, film, bodStr, tickets)

			// What the writer encoded before: encoding/json of saleBody.
			old := saleBody{CinemaID: cinema, ScreeningID: sale.ScreeningID, FilmID: film, BoxOfficeDay: bodStr, Tickets: make([]saleBodyTicket, len(sale.Tickets))}
			for i, tk := range sale.Tickets {
				old.Tickets[i] = saleBodyTicket{ID: tk.ID, SoldAt: fmtTime(tk.SoldAt), SaleDate: kztime.LocalDate(tk.SoldAt).Format(dateLayout),
					Price: tk.Price.StringFixed(2), Category: tk.Category, Seat: tk.Seat, Channel: tk.Channel}
			}
			if want := saleBodyBytes(t, old); !bytes.Equal(body, want) {
				t.Fatalf("round %d sale %d: body\n%s\nencoding/json\n%s", round, k, body, want)
			}
			bod, err := parseDate(bodStr)
			if err != nil {
				t.Fatal(err)
			}
			seq := int64(1000*round + k)
			live = append(live, saleEntry{seq: seq, cinema: bodyString(cinema), screening: bodyString(sale.ScreeningID), film: bodyString(film), bod: bod, tickets: parsed})
			bodies = append(bodies, bodyEntry{Seq: seq, Body: body})

			var decoded saleBody
			if err := decodeSaleBody(body, &decoded); err != nil {
				t.Fatal(err)
			}
			one, err := parseSaleEntry(seq, &decoded, &saleTickets{}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !sameSaleEntry(one, live[len(live)-1]) {
				t.Fatalf("round %d sale %d: parsed entry %+v\nlive %+v", round, k, one, live[len(live)-1])
			}
			if w := live[len(live)-1].tickets.wire; w == nil || !reflect.DeepEqual(*w, *newTicketsWire(one.tickets)) {
				t.Fatalf("round %d sale %d: the live wire parts differ from the parsed tickets'", round, k)
			}
		}
		want, err := salesProjection(bodies)
		if err != nil {
			t.Fatal(err)
		}
		got := salesRowsOf(live, nil)
		if err := checkTicketsWire(got); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !sameSalesRows(got, want) {
			t.Fatalf("round %d: live rows\n%+v\nparsed rows\n%+v", round, got, want)
		}
	}
}

// sameSaleEntry compares two saleEntries, decimals by value and exponent.
func sameSaleEntry(a, b saleEntry) bool {
	ta, tb := *a.tickets, *b.tickets
	if !sameDecimals(ta.price, tb.price) || !sameDecimals([]decimal.Decimal{ta.gross}, []decimal.Decimal{tb.gross}) || len(ta.days) != len(tb.days) {
		return false
	}
	for i := range ta.days {
		da, db := ta.days[i], tb.days[i]
		if da.saleDate != db.saleDate || da.n != db.n || !sameDecimals([]decimal.Decimal{da.gross}, []decimal.Decimal{db.gross}) {
			return false
		}
	}
	ta.price, tb.price, ta.gross, tb.gross, ta.days, tb.days, ta.day1, tb.day1 = nil, nil, decimal.Zero, decimal.Zero, nil, nil, [1]daySubtotal{}, [1]daySubtotal{}
	ta.wire, tb.wire = nil, nil // only live entries have it: compared in TestSaleEntryLiveEqualsParsed
	a.tickets, b.tickets = nil, nil
	return a == b && reflect.DeepEqual(ta, tb)
}

func sameDecimals(a, b []decimal.Decimal) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) || a[i].Exponent() != b[i].Exponent() {
			return false
		}
	}
	return true
}
