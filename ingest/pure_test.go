package ingest

import (
	"errors"
	"testing"
	"time"

	"ecinema/validate"
)

func TestAdultOnlyStartAllowed(t *testing.T) {
	kz := time.FixedZone("UTC+5", 5*3600)
	for h, want := range map[int]bool{21: false, 22: true, 23: true, 0: true, 5: true, 6: false, 12: false} {
		if got := adultOnlyStartAllowed(time.Date(2026, 3, 1, h, 0, 0, 0, kz)); got != want {
			t.Errorf("21+ at %02d:00 = %v, want %v", h, got, want)
		}
	}
}

func TestParsePrice(t *testing.T) {
	for s, ok := range map[string]bool{
		"0": true, "0.00": true, "2500.00": true, "2500.5": true, "1000000.00": true, "1000000": true,
		"-1.00": false, "-0": false, "100.005": false, "1000000.01": false, "1e3": false, "007": false,
		"": false, " 1": false, "1.": false, ".5": false, "+1": false, "NaN": false, "0x10": false,
	} {
		d, err := parsePrice(s)
		if (err == nil) != ok {
			t.Errorf("parsePrice(%q) = %s, %v; want ok=%v", s, d, err, ok)
		}
	}
}

func TestParseSalesErrors(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		class error  // nil: invalid fields (validate.ErrInvalid)
		field string // first invalid field
	}{
		{"missing screening", `{"tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00Z","price":"1.00","category":"adult","channel":"web"}]}`, nil, "screening_id"},
		{"no tickets", `{"screening_id":"s1","tickets":[]}`, nil, "tickets"},
		{"bad id", `{"screening_id":"s1","tickets":[{"id":"-t1","sold_at":"2026-03-01T19:30:00Z","price":"1.00","category":"adult","channel":"web"}]}`, nil, "tickets[0].id"},
		{"time without offset", `{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00","price":"1.00","category":"adult","channel":"web"}]}`, nil, "tickets[0].sold_at"},
		{"three decimals", `{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00Z","price":"1.001","category":"adult","channel":"web"}]}`, nil, "tickets[0].price"},
		{"not JSON", `{"screening_id":`, ErrMalformed, ""},
		{"trailing data", `{"screening_id":"s1","tickets":[]} x`, ErrMalformed, ""},
		{"duplicate seat", `{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00Z","price":"1.00","category":"adult","channel":"web","seat":"A1"},{"id":"t2","sold_at":"2026-03-01T19:30:00Z","price":"1.00","category":"adult","channel":"web","seat":"A1"}]}`, ErrSeatAlreadySold, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSales([]byte(tc.body))
			if tc.class != nil {
				if !errors.Is(err, tc.class) {
					t.Fatalf("err = %v, want %v", err, tc.class)
				}
				return
			}
			var ve *validate.Errors
			if !errors.As(err, &ve) || !errors.Is(err, validate.ErrInvalid) || ve.Fields[0].Field != tc.field {
				t.Fatalf("err = %v, want invalid field %s", err, tc.field)
			}
		})
	}
	ok := `{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00.1234567+05:00","price":"2500.5","category":"adult","seat":"R5-12","channel":"box_office"}]}`
	s, err := ParseSales([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	tk := s.Tickets[0]
	if tk.Price.StringFixed(2) != "2500.50" || tk.SoldAt.Format(time.RFC3339Nano) != "2026-03-01T14:30:00.123456Z" || tk.Seat != "R5-12" {
		t.Fatalf("parsed %+v", tk)
	}
}
