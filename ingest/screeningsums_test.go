package ingest

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// The deep check's screening sums in tiyn give the totals the decimal sums
// of the same runs give (the code they replaced).
func TestScreeningSumsEqualDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 200 {
		sums := newScreeningSums()
		ref := map[scrKey]*scrSum{}
		for range 1 + rng.IntN(20) {
			var run screeningTotals
			for range 1 + rng.IntN(30) {
				k := scrKey{"c" + strconv.Itoa(rng.IntN(4)), "s" + strconv.Itoa(rng.IntN(40))}
				var amount decimal.Decimal
				switch rng.IntN(4) {
				case 0:
					amount = decimal.New(rng.Int64N(1e15), -2) // up to 10^13 tenge
				case 1:
					amount = decimal.New(-rng.Int64N(1e6), -2)
				case 2:
					amount = decimal.New(rng.Int64N(100), -2) // 0.00–0.99
				default:
					amount = decimal.New(rng.Int64N(1e5), 0)
				}
				run.cinema, run.id = append(run.cinema, k.cinema), append(run.id, k.id)
				run.n, run.gross = append(run.n, int32(rng.IntN(100))), append(run.gross, amount.StringFixed(2))
			}
			if err := sums.add(run); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			for i := range run.id {
				k := scrKey{run.cinema[i], run.id[i]}
				if ref[k] == nil {
					ref[k] = &scrSum{}
				}
				ref[k].n += run.n[i]
				ref[k].gross = ref[k].gross.Add(decimal.RequireFromString(run.gross[i]))
			}
		}
		if got, want := sums.sorted(), sortedScreeningTotals(ref); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: sums differ:\n got %v\nwant %v", round, got, want)
		}
	}
}

func TestParseTiyn(t *testing.T) {
	for s, want := range map[string]int64{"0.00": 0, "0.05": 5, "-0.05": -5, "12.30": 1230, "-12.30": -1230,
		"9999999999999999.99": 999999999999999999} {
		if got, err := parseTiyn(s); err != nil || got != want {
			t.Errorf("parseTiyn(%q) = %d, %v; want %d", s, got, err, want)
		}
		if got := formatTiyn(want); got != s {
			t.Errorf("formatTiyn(%d) = %q, want %q", want, got, s)
		}
	}
	for _, s := range []string{"", "1", "1.0", "1.000", ".50", "-", "-.50", "1.5a", "+1.00", "1,00", "10000000000000000.00", "1e2.00"} {
		if got, err := parseTiyn(s); err == nil {
			t.Errorf("parseTiyn(%q) = %d, want an error", s, got)
		}
	}
}

func TestScreeningSumsOverflow(t *testing.T) {
	m := newScreeningSums()
	var run screeningTotals
	for range 10 { // 10 × ~10^18 tiyn passes 2^63
		run.cinema, run.id = append(run.cinema, "c"), append(run.id, "s")
		run.n, run.gross = append(run.n, 1), append(run.gross, "9999999999999999.99")
	}
	if err := m.add(run); err == nil {
		t.Fatalf("ten sums of 10^16 tenge added without an error: %v", m.sorted())
	}
}

// Two keys of one hash are an error, not one sum: the collision is made by
// hand (the hash is 64 bits with a random seed).
func TestScreeningSumsHashCollision(t *testing.T) {
	m := newScreeningSums()
	one := screeningTotals{cinema: []string{"c1"}, id: []string{"s1"}, n: []int32{2}, gross: []string{"10.00"}}
	if err := m.add(one); err != nil {
		t.Fatal(err)
	}
	m.m[m.hash("c2", "s2")] = m.m[m.hash("c1", "s1")]
	two := screeningTotals{cinema: []string{"c2"}, id: []string{"s2"}, n: []int32{1}, gross: []string{"5.00"}}
	err := m.add(two)
	if err == nil || !strings.Contains(err.Error(), "same hash") {
		t.Fatalf("a key of another's hash: %v, want the same-hash error", err)
	}
	delete(m.m, m.hash("c2", "s2"))
	if err := m.add(one); err != nil {
		t.Fatal(err)
	}
	if got := m.sorted(); len(got.id) != 1 || got.n[0] != 4 || got.gross[0] != "20.00" || got.cinema[0] != "c1" || got.id[0] != "s1" {
		t.Fatalf("c1/s1 after two adds: %+v", got)
	}
}

// checkHeaders reports the entry at which the sales and the screening
// entries first contradict each other, and a registration alone adds no
// totals.
func TestScreeningSumsCheckHeaders(t *testing.T) {
	d1, d2 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	sale := func(cinema, id, film string, bod time.Time, seq int64) saleHeader {
		return saleHeader{cinema: cinema, screening: id, film: film, bod: bod, seq: seq}
	}
	type reg struct {
		cinema, id, film string
		bod              time.Time
		seq              int64
	}
	for _, tc := range []struct {
		name  string
		regs  []reg
		sales []saleHeader
		seq   int64  // of the mismatch; 0: none
		want  string // its detail
	}{
		{"consistent", []reg{{"c1", "s1", "f1", d1, 1}, {"c1", "s2", "f2", d2, 2}, {"c2", "s1", "f1", d1, 3}},
			[]saleHeader{sale("c1", "s1", "f1", d1, 4), sale("c1", "s1", "f1", d1, 5), sale("c2", "s1", "f1", d1, 6)}, 0, ""},
		{"a sale of a screening never registered", []reg{{"c1", "s1", "f1", d1, 1}},
			[]saleHeader{sale("c1", "s1", "f1", d1, 2), sale("c2", "s1", "f1", d1, 3)}, 3,
			`sale entry 3 sold screening "s1" of cinema "c2", which no screening entry registered`},
		{"the first sale states another film", []reg{{"c1", "s1", "f1", d1, 1}},
			[]saleHeader{sale("c1", "s1", "f2", d1, 2)}, 2,
			`sale entry 2 sold screening "s1" of cinema "c1" as film "f2" on box-office day 2026-11-01, its screening entry 1 as film "f1" on 2026-11-01`},
		{"a later sale states another day", []reg{{"c1", "s1", "f1", d1, 1}},
			[]saleHeader{sale("c1", "s1", "f1", d1, 2), sale("c1", "s1", "f1", d2, 7)}, 7,
			`sale entry 7 sold screening "s1" of cinema "c1" as film "f1" on box-office day 2026-11-02, its screening entry 1 as film "f1" on 2026-11-01`},
		{"replaced after its first sale", []reg{{"c1", "s1", "f1", d1, 1}, {"c1", "s1", "f1", d1, 5}},
			[]saleHeader{sale("c1", "s1", "f1", d1, 2)}, 5,
			`screening entry 5 made screening "s1" of cinema "c1" film "f1" on box-office day 2026-11-01 after sale entry 2 sold it as film "f1" on 2026-11-01`},
		{"the earliest of two", []reg{{"c1", "s1", "f1", d1, 1}, {"c1", "s2", "f1", d1, 2}},
			[]saleHeader{sale("c1", "s2", "f1", d1, 3), sale("c1", "s1", "f1", d1, 4), sale("c1", "s2", "f9", d1, 8), sale("c1", "s1", "f9", d1, 6)}, 6,
			`sale entry 6 sold screening "s1" of cinema "c1" as film "f9" on box-office day 2026-11-01, its screening entry 1 as film "f1" on 2026-11-01`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newScreeningSums()
			versions := map[[2]string]int32{}
			for _, r := range tc.regs {
				versions[[2]string{r.cinema, r.id}]++
				if err := m.registered(scrVersion{cinema: r.cinema, id: r.id, film: r.film, bod: r.bod, seq: r.seq,
					version: versions[[2]string{r.cinema, r.id}]}); err != nil {
					t.Fatal(err)
				}
			}
			if got := m.sorted(); len(got.id) != 0 {
				t.Fatalf("registrations alone give totals %+v", got)
			}
			for _, s := range tc.sales {
				if err := m.header(s); err != nil {
					t.Fatal(err)
				}
			}
			err := m.checkHeaders()
			if tc.seq == 0 {
				if err != nil {
					t.Fatalf("checkHeaders = %v, want none", err)
				}
				return
			}
			var pm *ledger.ProjectionMismatch
			if !errors.As(err, &pm) || pm.Table != "screenings" || pm.Seq != tc.seq || pm.Detail != tc.want {
				t.Fatalf("checkHeaders = %#v, want screenings at %d: %s", err, tc.seq, tc.want)
			}
		})
	}
}

// A sale's sums, kept in tiyn by readSaleTickets, are the values and
// exponents adding its prices as decimals gives: for prices of two
// decimals, for sales with a price of other decimals (which add decimals
// throughout) and for sums past int64.
func TestSaleTicketSumsEqualDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	dates := []string{"2026-03-01", "2026-03-02", "2026-02-28"}
	for round := range 400 {
		var tks []saleBodyTicket
		for i := range rng.IntN(40) {
			var price string
			switch k := rng.IntN(20); {
			case round%4 == 2 && k < 10:
				price = "9999999999999999.99" // ten of them pass int64
			case k < 14:
				price = decimal.New(rng.Int64N(1e7), -2).StringFixed(2)
			case k < 16:
				price = "0.00"
			case k < 17 && round%4 == 1:
				price = []string{"1500", "2.5", "0.125"}[rng.IntN(3)] // not two decimals
			default:
				price = "-" + decimal.New(rng.Int64N(1e5), -2).StringFixed(2)
			}
			tks = append(tks, saleBodyTicket{ID: "t" + strconv.Itoa(i), SoldAt: "2026-03-01T10:00:00Z",
				SaleDate: dates[rng.IntN(len(dates))], Price: price, Category: "adult", Channel: "box_office"})
		}
		var st saleTickets
		if err := readSaleTickets(&st, tks, nil, nil); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		var gross decimal.Decimal
		days := map[string]decimal.Decimal{}
		var order []string
		for _, tk := range tks {
			p := decimal.RequireFromString(tk.Price)
			gross = gross.Add(p)
			if _, ok := days[tk.SaleDate]; !ok {
				order = append(order, tk.SaleDate)
			}
			days[tk.SaleDate] = days[tk.SaleDate].Add(p)
		}
		if !sameDecimals([]decimal.Decimal{st.gross}, []decimal.Decimal{gross}) {
			t.Fatalf("round %d: gross %s (exp %d), want %s (exp %d)", round, st.gross, st.gross.Exponent(), gross, gross.Exponent())
		}
		if len(st.days) != len(order) {
			t.Fatalf("round %d: %d sale dates, want %d", round, len(st.days), len(order))
		}
		for j, d := range order {
			got := st.days[j]
			if got.saleDate.Format(dateLayout) != d || !sameDecimals([]decimal.Decimal{got.gross}, []decimal.Decimal{days[d]}) {
				t.Fatalf("round %d: day %d is %s %s (exp %d), want %s %s", round, j, got.saleDate.Format(dateLayout), got.gross, got.gross.Exponent(), d, days[d])
			}
		}
	}
}

// replay applies screening versions, sales and refunds in seq order across
// the three lists: a refund between two sales frees its seat for the
// second, the seats are the version's in force, and the first sale past
// them is the entry reported.
func TestScreeningSumsReplay(t *testing.T) {
	if n := unsafe.Sizeof(screeningSum{}); n != 56 {
		t.Fatalf("a screening's sums take %d bytes, want 56 (see screeningSum.rules)", n)
	}
	d1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := pgMicros(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	m := newScreeningSums()
	vs := []scrVersion{{cinema: "c1", id: "s1", film: "f1", bod: d1, seq: 1, seats: 2, version: 1, starts: at + 3600e6, ends: at + 7200e6},
		{cinema: "c1", id: "s1", film: "f1", bod: d1, seq: 2, seats: 3, version: 2, starts: at + 3600e6, ends: at + 7200e6}}
	sale := func(seq int64, n int32) saleHeader {
		return saleHeader{cinema: "c1", screening: "s1", film: "f1", bod: d1, seq: seq, n: n, lastSold: at}
	}
	refund := refundApply{cinema: "c1", screening: "s1", film: "f1", bod: d1, seq: 4, ids: []string{"t1"},
		at: []time.Time{pgEpoch.Add(time.Duration(at) * time.Microsecond)}}
	if err := m.replay(vs, [][]saleHeader{{sale(3, 3)}, nil, {sale(5, 1)}}, []refundApply{refund}); err != nil {
		t.Fatal(err)
	}
	if err := m.checkHeaders(); err != nil {
		t.Fatalf("within the seats: %v", err)
	}
	if err := m.replay(nil, [][]saleHeader{{sale(6, 1)}}, nil); err != nil {
		t.Fatal(err)
	}
	var pm *ledger.ProjectionMismatch
	want := `sale entry 6 sold 1 tickets of screening "s1" of cinema "c1" with 3 active: more than its 3 seats (screening entry 2)`
	if err := m.checkHeaders(); !errors.As(err, &pm) || pm.Table != "screenings" || pm.Seq != 6 || pm.Detail != want {
		t.Fatalf("past the seats: %v, want screenings at 6: %s", err, want)
	}
}
