package ingest

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// TestDeepTicketsIndex: the in-memory tickets of verify --deep find every
// row by (cinema, id) through many growths of the index, tell the same id
// in two cinemas apart, refuse a second sale of an id and a refund of a
// ticket not sold in its screening or already refunded, as the statements
// they stand for would.
func TestDeepTicketsIndex(t *testing.T) {
	d := newDeepTickets(0)
	at := time.Date(2026, 11, 30, 10, 0, 0, 123456000, time.UTC)
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var rows ticketRows
	const n = 20000
	for i := range n {
		seat := ""
		if i%3 != 0 {
			seat = fmt.Sprintf("R%d", i%40)
		}
		rows.cinema = append(rows.cinema, fmt.Sprintf("c%d", i%2))
		id := fmt.Sprintf("t%d", i/2)
		if k := i / 2; k != 2 && k != 4 && k != 12 { // those refunded below
			id += "-" + strings.Repeat("x", 55) // 1.2 MB of text: more than one chunk
		}
		rows.id = append(rows.id, id) // every id in both cinemas
		rows.screening = append(rows.screening, fmt.Sprintf("s%d", i%7))
		rows.film = append(rows.film, "f")
		rows.price = append(rows.price, "2500.005")
		rows.prices = append(rows.prices, decimal.RequireFromString("2500.005"))
		rows.category = append(rows.category, "adult")
		rows.seat = append(rows.seat, seat)
		rows.channel = append(rows.channel, "web")
		rows.soldAt = append(rows.soldAt, at)
		rows.saleDate = append(rows.saleDate, day)
		rows.bod = append(rows.bod, day)
		rows.seq = append(rows.seq, int64(i))
	}
	if err := d.insert(&rows, nil); err != nil {
		t.Fatal(err)
	}
	if len(d.rows) != n || 2*len(d.rows) > len(d.slots) || len(d.text.chunks) < 2 {
		t.Fatalf("%d rows in %d slots, %d chunks of text", len(d.rows), len(d.slots), len(d.text.chunks))
	}
	if size := unsafe.Sizeof(deepTicket{}); size != 64 {
		t.Errorf("a rebuilt ticket takes %d bytes, want 64", size)
	}
	for i := range n {
		c, id := rows.cinema[i], rows.id[i]
		ci := d.intern[c]
		_, j := d.find(ci, id, d.keyHash(ci, id))
		if j == 0 || d.rows[j-1].saleSeq != int64(i) || d.id(&d.rows[j-1]) != id || d.seat(&d.rows[j-1]) != rows.seat[i] {
			t.Fatalf("ticket %s/%s: row %d", c, id, j)
		}
	}
	// Keys whose hashes collide are told apart by the key: a probe with
	// row 0's hash finds neither another id of its cinema nor its id in
	// the other cinema.
	c0, c1 := d.intern["c0"], d.intern["c1"]
	h0 := d.keyHash(c0, rows.id[0])
	if _, j := d.find(c0, rows.id[0], h0); j != 1 {
		t.Fatalf("row 0 by its own hash: %d", j)
	}
	if _, j := d.find(c0, "t-none", h0); j != 0 {
		t.Fatalf("another id with row 0's hash found row %d", j)
	}
	if _, j := d.find(c1, rows.id[0], h0); j != 0 && d.rows[j-1].cinema != c1 {
		t.Fatalf("row 0's id in c1 with row 0's hash found a row of another cinema (%d)", j)
	}
	if got := d.names[d.rows[0].price]; got != "2500.01" {
		t.Errorf("price stored as %s, numeric(12,2) keeps 2500.01", got)
	}
	if d.rows[0].soldAt != at.UnixMicro()-pgEpoch.UnixMicro() || d.rows[0].saleDate != 9830 {
		t.Errorf("sold_at %d, sale_date %d", d.rows[0].soldAt, d.rows[0].saleDate)
	}
	again := ticketRows{cinema: rows.cinema[5:6], id: rows.id[5:6], screening: rows.screening[5:6], film: rows.film[5:6],
		price: rows.price[5:6], prices: rows.prices[5:6], category: rows.category[5:6], seat: rows.seat[5:6], channel: rows.channel[5:6],
		soldAt: rows.soldAt[5:6], saleDate: rows.saleDate[5:6], bod: rows.bod[5:6], seq: []int64{n}}
	var m *ledger.ProjectionMismatch
	if err := d.insert(&again, nil); !errors.As(err, &m) || m.Table != "tickets" || m.Seq != n || !strings.Contains(m.Detail, "sold before, by entry 5") {
		t.Errorf("second sale of an id: %v", err)
	}
	// refundOf refunds ids as their sales state them (price, sale date,
	// film, box-office day).
	refundOf := func(cinema, screening string, seq int64, ids ...string) refundApply {
		ap := refundApply{cinema: cinema, screening: screening, film: "f", bod: day, seq: seq, ids: ids}
		for range ids {
			ap.at, ap.price, ap.saleDate = append(ap.at, at), append(ap.price, "2500.01"), append(ap.saleDate, day)
		}
		return ap
	}
	// t2 of c0 is row 4, screening s4.
	if err := d.refund([]refundApply{refundOf("c0", "s4", n+1, "t2")}); err != nil {
		t.Fatal(err)
	}
	if r := d.rows[4]; !r.refunded() || d.refunds[4].seq != n+1 || d.rows[5].refunded() {
		t.Fatalf("refund: %+v", r)
	}
	with := func(ap refundApply, f func(*refundApply)) refundApply { f(&ap); return ap }
	for _, bad := range []struct {
		ap   refundApply
		want string
	}{
		{refundOf("c0", "s4", n+2, "t2"), "1 of its 1 tickets (the first \"t2\") were not sold in screening \"s4\" of cinema \"c0\" or were already refunded"},
		{refundOf("c0", "s5", n+2, "t4"), "were not sold"},   // another screening (s1)
		{refundOf("c9", "s4", n+2, "t2"), "were not sold"},   // unknown cinema
		{refundOf("c0", "s4", n+2, "nope"), "were not sold"}, // never sold
		{with(refundOf("c1", "s4", n+2, "t12"), func(ap *refundApply) { ap.price[0] = "2500.00" }), "states price 2500.00, "},
		{with(refundOf("c1", "s4", n+2, "t12"), func(ap *refundApply) { ap.saleDate[0] = day.AddDate(0, 0, 1) }), "sale date 2026-12-01, "},
		{with(refundOf("c1", "s4", n+2, "t12"), func(ap *refundApply) { ap.film = "g" }), `film "g", `},
		{with(refundOf("c1", "s4", n+2, "t12"), func(ap *refundApply) { ap.bod = day.AddDate(0, 0, -1) }), "box-office day 2026-11-29; "},
		{with(refundOf("c1", "s4", n+2, "t12"), func(ap *refundApply) { ap.at[0] = at.Add(-time.Microsecond) }), "before its sale (entry 25) at 2026-11-30T10:00:00.123456Z"},
		{refundOf("c1", "s4", n+2, "t12", "t12"), "1 of its 2 tickets"}, // twice in one entry
	} {
		err := d.refund([]refundApply{bad.ap})
		var m *ledger.ProjectionMismatch
		if !errors.As(err, &m) || m.Table != "tickets" || m.Seq != n+2 || !strings.Contains(m.Detail, bad.want) {
			t.Errorf("refund %+v: %v, want a mismatch of tickets at %d saying %s", bad.ap, err, n+2, bad.want)
		}
	}
	// The price as another string of the same amount agrees.
	if err := d.refund([]refundApply{with(refundOf("c0", "s1", n+3, "t4"), func(ap *refundApply) { ap.price[0] = "2500.010" })}); err != nil {
		t.Fatal(err)
	}
}

// TestDeepTicketsMemory: a rebuilt ticket of the demo's shape (ids of 16
// bytes, seats of 5, ten tickets a screening, 2% refunded) takes about 100
// bytes in memory with its index and its share of the interned strings,
// within the deepTicketMemory that verify --deep plans its parts with
// (the rest of that figure is the garbage collector's headroom).
func TestDeepTicketsMemory(t *testing.T) {
	const n = 300_000
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var rows ticketRows
	price := decimal.RequireFromString("2500.00")
	for i := range n {
		g := i / 10 // a screening
		rows.cinema = append(rows.cinema, fmt.Sprintf("cinema-%03d", g%100))
		rows.id = append(rows.id, fmt.Sprintf("T%015d", i))
		rows.screening = append(rows.screening, fmt.Sprintf("scr-%03d-%07d", g%100, g))
		rows.film = append(rows.film, fmt.Sprintf("film-%d", i%300))
		rows.price = append(rows.price, "2500.00")
		rows.prices = append(rows.prices, price)
		rows.category = append(rows.category, "adult")
		rows.seat = append(rows.seat, fmt.Sprintf("R%d-%d", i%20, i%30))
		rows.channel = append(rows.channel, "web")
		rows.soldAt = append(rows.soldAt, at)
		rows.saleDate = append(rows.saleDate, at)
		rows.bod = append(rows.bod, at)
		rows.seq = append(rows.seq, int64(i/7))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := newDeepTickets(n)
	if err := d.insert(&rows, nil); err != nil {
		t.Fatal(err)
	}
	var aps []refundApply
	for i := 0; i < n; i += 50 {
		aps = append(aps, refundApply{cinema: rows.cinema[i], screening: rows.screening[i], film: rows.film[i], bod: at, seq: int64(n + i),
			ids: []string{rows.id[i]}, at: []time.Time{at}, price: []string{"2500.00"}, saleDate: []time.Time{at}})
	}
	if err := d.refund(aps); err != nil {
		t.Fatal(err)
	}
	aps = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes a rebuilt ticket (%d rows, %d slots, %d chunks of text, %d names)", per, len(d.rows), len(d.slots), len(d.text.chunks), len(d.names))
	// 0.65: the index slots carry each key's hash (8 bytes a slot), and
	// this table of 300,000 rows is the least full of them (0.29).
	if per > deepTicketMemory*0.65 {
		t.Errorf("%.0f bytes a rebuilt ticket; verify --deep plans with %d, with room for the collector", per, deepTicketMemory)
	}
	runtime.KeepAlive(d)
	runtime.KeepAlive(&rows)
}

// The progress weighs the work after the entries by the costs of the
// latest part measured, not the first: the first parts run beside the
// other checks' comparisons and are slower than the rest.
func TestDeepWorkCostsFromTheLatestPart(t *testing.T) {
	p := &deepParts{k: 3, expect: []int64{20000, 30000, 30000}, seqs: [][]int64{nil, make([]int64, 2000), make([]int64, 4000)}}
	w := newDeepWork(p, 0)
	w.start = time.Now().Add(-time.Second)
	w.entries.Store(1000) // 1 ms an entry
	w.compareStarts()
	guess := 80000*deepRowCost + 6000*deepRereadCost
	if total, _ := w.Work(); math.Abs(float64(total)-guess) > 1 {
		t.Fatalf("guessed total %d, want %.0f", total, guess)
	}
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	w.compared(20000)
	w.partCompared(0, 20000, ms(2*20000)) // 2 ms a row: 2 entries' worth
	w.reread(2000)
	w.partReread(2000, ms(3*2000)) // 3 entries' worth
	w.compared(30000)
	w.partCompared(1, 30000, ms(0.5*30000)) // the latest: half an entry's worth
	total, done := w.Work()
	wantTotal, wantDone := 80000*0.5+6000*3.0, 50000*0.5+2000*3.0
	if math.Abs(float64(total)-wantTotal) > 0.01*wantTotal || math.Abs(float64(done)-wantDone) > 0.01*wantDone {
		t.Fatalf("work %d of %d, want about %.0f of %.0f", done, total, wantDone, wantTotal)
	}
}
