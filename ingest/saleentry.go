package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/internal/pgarray"
	"ecinema/kztime"
)

// A sale entry's body is {"cinema_id","screening_id","film_id",
// "box_office_day","tickets":[…]}. Its "tickets" member is a pure function
// of the request: each ticket's strings (the time and local date of sale,
// the price with two decimals) and their JSON, and what the projections
// read of them (times, dates and prices parsed back, the sums per sale
// date). That part is computed in the request's goroutine (newSaleTickets,
// from Sell), off the serial writer; the writer adds what it decides from
// the state under the head lock — the screening, film and box-office day of
// the header, the seq — and uses the bytes as they are (ledger.RawBody).
// verify --deep gets the same saleEntry by parsing the entry body
// (parseSaleEntry); both go through salesRowsOf, the one place that says
// what a sale entry writes. TestSaleEntryLiveEqualsParsed pins that the
// live body is byte for byte encoding/json's and that its saleEntry is the
// one parsing the body gives; the ingest tests also check it on every live
// group (checkLiveSales).

// saleTickets are the tickets of one sale entry as its projections read
// them, in body order, and their sums.
type saleTickets struct {
	body             []saleBodyTicket // the strings, as a decoder of the body reads them
	soldAt, saleDate []time.Time
	price            []decimal.Decimal
	gross            decimal.Decimal // sum of the prices
	days             []daySubtotal   // per sale date, in order of first appearance
	day1             [1]daySubtotal  // days' storage for a sale of one date
	// wire: the tickets' columns as the tickets insert sends them, encoded
	// in the request's goroutine (live sales only; nil when parsed).
	wire *ticketsWire
}

// ticketsWire is a sale's part of the tickets insert's per-ticket array
// parameters (sqlTicketsInsertMany's $2–$8), in PostgreSQL's binary
// format: the serial writer joins the parts of a run instead of encoding
// every element (see internal/pgarray). Each column holds what
// salesRowsOf puts in the same column of ticketRows (checkLiveSales
// compares the bytes).
type ticketsWire struct {
	id, price, category, seat, channel, soldAt, saleDate pgarray.Elements
}

func newTicketsWire(st *saleTickets) *ticketsWire {
	w := &ticketsWire{}
	n := len(st.body)
	w.soldAt.Grow(12 * n)
	w.saleDate.Grow(8 * n)
	for i := range st.body {
		tk := &st.body[i]
		w.id.Text(tk.ID)
		w.price.Text(tk.Price)
		w.category.Text(tk.Category)
		w.seat.Text(tk.Seat)
		w.channel.Text(tk.Channel)
		w.soldAt.Timestamptz(st.soldAt[i])
		w.saleDate.Date(st.saleDate[i])
	}
	return w
}

// ticketArena hands out the per-ticket slices of many saleTickets from
// one allocation (verify --deep reads thousands of entries a run).
type ticketArena struct {
	soldAt, saleDate []time.Time
	price            []decimal.Decimal
}

func newTicketArena(n int) *ticketArena {
	return &ticketArena{soldAt: make([]time.Time, n), saleDate: make([]time.Time, n), price: make([]decimal.Decimal, n)}
}

func (a *ticketArena) take(st *saleTickets, n int) {
	if len(a.price) < n {
		*a = *newTicketArena(max(n, 1024))
	}
	st.soldAt, a.soldAt = a.soldAt[:n:n], a.soldAt[n:]
	st.saleDate, a.saleDate = a.saleDate[:n:n], a.saleDate[n:]
	st.price, a.price = a.price[:n:n], a.price[n:]
}

// daySubtotal sums the tickets of one entry sold on one local date.
type daySubtotal struct {
	saleDate time.Time
	gross    decimal.Decimal
	n        int64
	tiyn     int64 // gross in tiyn while readSaleTickets sums so
}

// saleEntry is a sale entry as the projections read it.
type saleEntry struct {
	seq                     int64
	cinema, screening, film string
	bod                     time.Time
	tickets                 *saleTickets
}

// readSaleTickets parses the tickets of a body into st and sums them.
// prices caches parsed prices across a run (nil: none); arena, when set,
// provides the per-ticket slices.
//
// The sums are kept in tiyn while every price has exactly two decimals (as
// every body the writer encodes has: StringFixed(2)) and made decimals once
// at the end: the same values and exponent (-2) that adding the decimals
// gives, without two big.Int additions a ticket (verify --deep adds up a
// national year's 23 M tickets, some of them twice). Any other price, or a
// sum past int64, adds the decimals instead (sumDecimals).
func readSaleTickets(st *saleTickets, tks []saleBodyTicket, prices map[string]decimal.Decimal, arena *ticketArena) error {
	n := len(tks)
	*st = saleTickets{body: tks}
	st.days = st.day1[:0]
	if arena != nil {
		arena.take(st, n)
	} else {
		st.soldAt, st.saleDate, st.price = make([]time.Time, n), make([]time.Time, n), make([]decimal.Decimal, n)
	}
	var day *daySubtotal // the tickets of a sale mostly share their date
	var gross, abs int64 // in tiyn: the sum, and the sum of magnitudes (bounds every day's sum)
	inTiyn := true
	for i, tk := range tks {
		price, ok := prices[tk.Price]
		at, sd, p, err := replayTicket(tk.ID, tk.SoldAt, tk.SaleDate, tk.Price, ok)
		if err != nil {
			return err
		}
		if !ok {
			price = p
			if prices != nil {
				prices[tk.Price] = p
			}
		}
		st.soldAt[i], st.saleDate[i], st.price[i] = at, sd, price
		if day == nil || !day.saleDate.Equal(sd) {
			day = st.day(sd)
		}
		day.n++
		if inTiyn {
			t, ok := tiynOf(tk.Price) // |t| < 10^18: tiynOf takes at most 16 whole digits
			m := t
			if t < 0 {
				m = -t
			}
			if !ok || abs > math.MaxInt64-m {
				inTiyn = false
				continue
			}
			abs += m
			gross += t
			day.tiyn += t
		}
	}
	if !inTiyn {
		st.sumDecimals()
		return nil
	}
	if n > 0 {
		st.gross = decimal.New(gross, -2)
	}
	for j := range st.days {
		st.days[j].gross = decimal.New(st.days[j].tiyn, -2)
	}
	return nil
}

// day returns the subtotal of sale date sd, added if new.
func (st *saleTickets) day(sd time.Time) *daySubtotal {
	for j := range st.days {
		if st.days[j].saleDate.Equal(sd) {
			return &st.days[j]
		}
	}
	st.days = append(st.days, daySubtotal{saleDate: sd})
	return &st.days[len(st.days)-1]
}

// sumDecimals sums the parsed prices as decimals, the whole and per sale
// date: readSaleTickets's way for a price not of two decimals.
func (st *saleTickets) sumDecimals() {
	st.gross = decimal.Decimal{}
	for j := range st.days {
		st.days[j].gross = decimal.Decimal{}
	}
	for i, p := range st.price {
		st.gross = st.gross.Add(p)
		d := st.day(st.saleDate[i])
		d.gross = d.gross.Add(p)
	}
}

// parseSaleEntry reads a sale entry from its decoded body into st
// (verify --deep; prices and arena as readSaleTickets takes them).
func parseSaleEntry(seq int64, body *saleBody, st *saleTickets, prices map[string]decimal.Decimal, arena *ticketArena) (saleEntry, error) {
	bod, err := parseDate(body.BoxOfficeDay)
	if err != nil {
		return saleEntry{}, fmt.Errorf("ingest: sale entry %d: %w", seq, err)
	}
	if err := readSaleTickets(st, body.Tickets, prices, arena); err != nil {
		return saleEntry{}, fmt.Errorf("ingest: sale entry %d: %w", seq, err)
	}
	return saleEntry{seq: seq, cinema: body.CinemaID, screening: body.ScreeningID, film: body.FilmID, bod: bod, tickets: st}, nil
}

// newSaleTickets computes, in the request's goroutine, the "tickets"
// member of a sale's entry body (exactly the bytes encoding/json gives for
// it, HTML characters not escaped) and the saleTickets a decoder of those
// bytes reads.
func newSaleTickets(sale *Sale) ([]byte, *saleTickets, error) {
	tks := make([]saleBodyTicket, len(sale.Tickets))
	size := 2
	for i, t := range sale.Tickets {
		tks[i] = saleBodyTicket{ID: t.ID, SoldAt: fmtTime(t.SoldAt), SaleDate: kztime.LocalDate(t.SoldAt).Format(dateLayout),
			Price: t.Price.StringFixed(2), Category: t.Category, Seat: t.Seat, Channel: t.Channel}
		size += 120 + len(t.ID) + len(t.Category) + len(t.Seat) + len(t.Channel)
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	plain := true
	for i, tk := range tks {
		if i > 0 {
			b = append(b, ',')
		}
		var p1, p2, p3, p4, p5, p6, p7 bool
		b, p1 = appendBodyString(append(b, `{"id":`...), tk.ID)
		b, p2 = appendBodyString(append(b, `,"sold_at":`...), tk.SoldAt)
		b, p3 = appendBodyString(append(b, `,"sale_date":`...), tk.SaleDate)
		b, p4 = appendBodyString(append(b, `,"price":`...), tk.Price)
		b, p5 = appendBodyString(append(b, `,"category":`...), tk.Category)
		p6 = true
		if tk.Seat != "" {
			b, p6 = appendBodyString(append(b, `,"seat":`...), tk.Seat)
		}
		b, p7 = appendBodyString(append(b, `,"channel":`...), tk.Channel)
		b = append(b, '}')
		plain = plain && p1 && p2 && p3 && p4 && p5 && p6 && p7
	}
	b = append(b, ']')
	if !plain {
		// A string that encoding/json escapes may not decode to itself
		// (invalid UTF-8): read the strings back as a decoder of the body
		// will.
		tks = nil
		if err := json.Unmarshal(b, &tks); err != nil {
			return nil, nil, fmt.Errorf("ingest: sale tickets: %w", err)
		}
	}
	st := &saleTickets{}
	if err := readSaleTickets(st, tks, nil, nil); err != nil {
		return nil, nil, fmt.Errorf("ingest: sale tickets: %w", err)
	}
	st.wire = newTicketsWire(st)
	return b, st, nil
}

// appendSaleBody appends a sale entry's body: the header the writer
// decides and the tickets member newSaleTickets encoded, in saleBody's
// member order.
func appendSaleBody(b []byte, cinema, screening, film, bod string, tickets []byte) []byte {
	b, _ = appendBodyString(append(b, `{"cinema_id":`...), cinema)
	b, _ = appendBodyString(append(b, `,"screening_id":`...), screening)
	b, _ = appendBodyString(append(b, `,"film_id":`...), film)
	b, _ = appendBodyString(append(b, `,"box_office_day":`...), bod)
	b = append(append(b, `,"tickets":`...), tickets...)
	return append(b, '}')
}

// bodyString is s as a decoder of the body reads it back: s itself when
// it is plain (see appendBodyString).
func bodyString(s string) string {
	b, plain := appendBodyString(nil, s)
	if plain {
		return s
	}
	var back string
	if err := json.Unmarshal(b, &back); err != nil {
		panic(fmt.Sprintf("ingest: a JSON string does not decode: %v", err))
	}
	return back
}

// appendBodyString appends s as encoding/json encodes it with HTML
// characters not escaped, and reports whether it is plain: printable
// ASCII without a quote or backslash, which encodes as itself in quotes
// and decodes back to s. Anything else is encoded by encoding/json.
func appendBodyString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), false
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}
