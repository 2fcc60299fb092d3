package posclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestMoneyEncoding(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2500", "2500.00"},
		{"1800.5", "1800.50"},
		{"0", "0.00"},
		{"0.01", "0.01"},
		{"1000000", "1000000.00"},
		{"2500.000", "2500.00"}, // trailing zeros lose nothing
		{"-1", "-1.00"},         // sent as is: the range is the server's rule (400)
		{"99999999999999999999.99", "99999999999999999999.99"},
	}
	for _, tc := range cases {
		b, err := json.Marshal(Ticket{ID: "T1", SoldAt: soldAt, Price: decimal.RequireFromString(tc.in), Category: "adult", Channel: "web"})
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		want := `{"id":"T1","sold_at":"2026-01-08T19:30:00+05:00","price":"` + tc.want + `","category":"adult","channel":"web"}`
		if string(b) != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, b, want)
		}
		var back Ticket
		if err := json.Unmarshal(b, &back); err != nil || !back.Price.Equal(decimal.RequireFromString(tc.in)) {
			t.Errorf("%s: round trip %v %v", tc.in, back.Price, err)
		}
	}
}

// A price with 3 fraction digits is refused before anything is sent, with
// the field named; nothing reaches the server.
func TestThreeDecimalPriceRejectedClientSide(t *testing.T) {
	f := newFakePOS(t)
	c := newTestClient(t, f.srv.URL)
	for _, p := range []string{"2500.005", "0.001", "-0.125", "1800.5000001"} {
		r := sampleSale()
		r.Tickets[1].Price = decimal.RequireFromString(p)
		_, err := c.PostSales(t.Context(), r)
		if !errors.Is(err, ErrInvalidRequest) || !IsInvalid(err) {
			t.Fatalf("%s: err = %v, want ErrInvalidRequest", p, err)
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "tickets[1].price" {
			t.Fatalf("%s: err = %#v, want FieldError on tickets[1].price", p, err)
		}
		if want := "posclient: invalid request: tickets[1].price: amount " + decimal.RequireFromString(p).String() + " has more than 2 fraction digits"; err.Error() != want {
			t.Errorf("%s: message %q, want %q", p, err.Error(), want)
		}
		// Marshalling directly fails too instead of rounding.
		if _, err := json.Marshal(r.Tickets[1]); err == nil {
			t.Errorf("%s: json.Marshal rounded instead of failing", p)
		}
	}
	if atts, _ := f.snapshot(); len(atts) != 0 {
		t.Errorf("server received %d requests, want 0", len(atts))
	}
}

func TestTicketDecodingRejectsFloatsAndExtraDigits(t *testing.T) {
	for _, in := range []string{
		`{"id":"T1","sold_at":"2026-01-08T19:30:00+05:00","price":2500.00,"category":"adult"}`,
		`{"id":"T1","sold_at":"2026-01-08T19:30:00+05:00","price":"2500.001","category":"adult"}`,
		`{"id":"T1","sold_at":"2026-01-08T19:30:00+05:00","price":"1e3x","category":"adult"}`,
		`{"id":"T1","sold_at":"2026-01-08T19:30:00+05:00","price":"","category":"adult"}`,
	} {
		var tk Ticket
		if err := json.Unmarshal([]byte(in), &tk); err == nil {
			t.Errorf("accepted %s as %+v", in, tk)
		}
	}
}

// The wire shapes are exactly SPEC 4's: field names, money as strings,
// RFC 3339 times, and the idempotency key never in the body.
func TestSalesRequestWireShape(t *testing.T) {
	r := sampleSale()
	r.IdempotencyKey = "must-not-appear"
	r.Tickets[1].Seat, r.Tickets[1].Channel = "", "web" // seat is optional, channel is not
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"screening_id":"S-2026-01-08-1","tickets":[` +
		`{"id":"T1","sold_at":"2026-01-08T19:30:00+05:00","price":"2500.00","category":"adult","seat":"R5-12","channel":"box_office"},` +
		`{"id":"T2","sold_at":"2026-01-08T19:30:00+05:00","price":"1800.50","category":"child","channel":"web"}]}`
	if string(b) != want {
		t.Errorf("\n got %s\nwant %s", b, want)
	}
	var back SalesRequest
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Tickets) != 2 || !back.Tickets[1].Price.Equal(decimal.RequireFromString("1800.50")) || !back.Tickets[0].SoldAt.Equal(soldAt) {
		t.Errorf("round trip %+v", back)
	}
}

// No exported request or response type holds a float anywhere.
func TestNoFloatInWireTypes(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			t.Errorf("%s is a %s", path, typ)
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(path+"[]", typ.Elem())
		case reflect.Struct:
			if typ == reflect.TypeFor[decimal.Decimal]() || typ == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range typ.NumField() {
				walk(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
		}
	}
	for _, v := range []any{Screening{}, ScreeningResult{}, ScreeningView{}, SalesRequest{}, SalesResult{}, RefundRequest{}, RefundResult{}, ticketWire{}, APIError{}} {
		walk(reflect.TypeOf(v).Name(), reflect.TypeOf(v))
	}
}

func TestJitteredBackoff(t *testing.T) {
	min, max := 100*time.Millisecond, 2*time.Second
	for attempt, d := range []time.Duration{100, 200, 400, 800, 1600, 2000, 2000} {
		d *= time.Millisecond
		for range 200 {
			got := jitteredBackoff(min, max, attempt)
			if got < d/2 || got > d {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, got, d/2, d)
			}
		}
	}
	// Very large attempt numbers do not overflow.
	if got := jitteredBackoff(min, max, 500); got < time.Second || got > max {
		t.Errorf("attempt 500: %v", got)
	}
	// Jitter: 200 draws are not all equal.
	first, same := jitteredBackoff(min, max, 3), true
	for range 200 {
		if jitteredBackoff(min, max, 3) != first {
			same = false
		}
	}
	if same {
		t.Error("no jitter")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 8, 14, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999999", 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAPIErrorMessage(t *testing.T) {
	ae := newAPIError(409, http.Header{}, []byte(`{"error":{"code":"seat_taken","message":"seat sold twice","details":[{"field":"tickets[0].seat","code":"seat_taken","message":"R5-12"},{"field":"tickets[3].seat","code":"seat_taken"}]}}`))
	if want := "posclient: HTTP 409 seat_taken: seat sold twice (tickets[0].seat: seat_taken R5-12; tickets[3].seat: seat_taken)"; ae.Error() != want {
		t.Errorf("got  %q\nwant %q", ae.Error(), want)
	}
	long := newAPIError(500, http.Header{}, []byte(strings.Repeat("ж", 300)))
	if !strings.HasSuffix(long.Message, "…") || len(long.Message) > 260 || !strings.HasPrefix(long.Message, "Internal Server Error: жж") {
		t.Errorf("long body message %q", long.Message)
	}
	empty := newAPIError(504, http.Header{}, nil)
	if empty.Message != "Gateway Timeout" || empty.Code != "" {
		t.Errorf("empty body: %+v", empty)
	}
}

// TestFixed2EqualsStringFixed: fixed2 gives StringFixed(2) for every
// decimal it takes, and takes the prices a POS sends.
func TestFixed2EqualsStringFixed(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	taken := 0
	for i := range 200000 {
		var c int64
		switch i % 4 {
		case 0:
			c = r.Int64N(100000000)
		case 1:
			c = -r.Int64N(100000000)
		case 2:
			c = r.Int64() >> r.IntN(63)
		default:
			c = -(r.Int64() >> r.IntN(63))
		}
		d := decimal.New(c, int32(r.IntN(9))-5)
		s, ok := fixed2(d)
		if !ok {
			continue
		}
		taken++
		if want := d.StringFixed(2); s != want {
			t.Fatalf("fixed2(%s) = %q, want %q", d, s, want)
		}
	}
	if taken < 50000 {
		t.Fatalf("fixed2 took %d of 200,000 decimals", taken)
	}
	for _, p := range []string{"0", "0.00", "2500", "2500.00", "2500.5", "-1.25", "1000000.00", "0.01", "12.30"} {
		d := decimal.RequireFromString(p)
		if s, ok := fixed2(d); !ok || s != d.StringFixed(2) {
			t.Errorf("fixed2(%s) = %q, %v; want %q", p, s, ok, d.StringFixed(2))
		}
	}
}

// TestSalesWireEqualsMarshal: the body PostSales sends is the one
// json.Marshal gives for the request, ticket by ticket through
// Ticket.MarshalJSON.
func TestSalesWireEqualsMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	chars := []rune("aZ09 \"\\<>&\u2028Қə\x01")
	str := func() string {
		b := make([]rune, r.IntN(8))
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		return string(b)
	}
	for round := range 2000 {
		req := SalesRequest{ScreeningID: str()}
		if round%50 != 0 {
			req.Tickets = []Ticket{}
		}
		for range r.IntN(6) {
			req.Tickets = append(req.Tickets, Ticket{ID: str(), SoldAt: time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("x", r.IntN(50000)-25000)),
				Price: decimal.New(r.Int64N(1e8), -int32(r.IntN(3))), Category: str(), Seat: str(), Channel: str() + "c"})
		}
		w, err := req.wire()
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d:\n got %s\nwant %s", round, got, want)
		}
	}
}
