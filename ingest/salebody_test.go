package ingest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// saleBodyBytes encodes a body as the writer does (encoding/json, HTML not
// escaped).
func saleBodyBytes(t testing.TB, b saleBody) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// TestDecodeSaleBodyEqualsJSON: the scanner of the canonical layout gives
// what json.Unmarshal gives, on the writer's bytes and on bytes it must
// hand to encoding/json (escapes, bad UTF-8, white space, other order).
func TestDecodeSaleBodyEqualsJSON(t *testing.T) {
	plain := saleBody{CinemaID: "c1", ScreeningID: "s-1", FilmID: "f1", BoxOfficeDay: "2026-11-30", Tickets: []saleBodyTicket{
		{ID: "t1", SoldAt: "2026-11-30T10:00:00.000000Z", SaleDate: "2026-11-30", Price: "2500.00", Category: "adult", Seat: "A1", Channel: "web"},
		{ID: "t2", SoldAt: "2026-11-30T10:00:00.000000Z", SaleDate: "2026-11-30", Price: "0.00", Category: "child", Channel: "box_office"},
	}}
	odd := plain
	odd.Tickets = []saleBodyTicket{{ID: "t<&>", SoldAt: "x", Price: "1", Seat: "Ряд 5/7 \"б\" \\ \u2028", Channel: "web"}}
	cases := [][]byte{saleBodyBytes(t, plain), saleBodyBytes(t, odd)}
	for _, s := range []string{
		`{"cinema_id":"c1","screening_id":"s","film_id":"f","box_office_day":"d","tickets":[]}`,
		`{"cinema_id":"c1","screening_id":"s","film_id":"f","box_office_day":"d","tickets":[{"id":"a","sold_at":"b","sale_date":"c","price":"1","category":"adult","seat":"","channel":"web"}]}`,
		`{"cinema_id":"c1","screening_id":"s","film_id":"f","box_office_day":"d","tickets":[{"id":"a\xff","sold_at":"b","sale_date":"c","price":"1","category":"adult","channel":"web"}]}`,
		`{"cinema_id":"c1","screening_id":"s","film_id":"f","box_office_day":"d","tickets":[{"id":"a","sold_at":"b","sale_date":"c","price":"1","category":"adult","channel":"web"}],"x":1}`,
		`{"screening_id":"s","cinema_id":"c1","film_id":"f","box_office_day":"d","tickets":[{"id":"a","sold_at":"b","sale_date":"c","price":"1","category":"adult","channel":"web"}]}`,
		`{"cinema_id":"c1", "screening_id":"s","film_id":"f","box_office_day":"d","tickets":[{"id":"a","sold_at":"b","sale_date":"c","price":"1","category":"adult","channel":"web"}]}`,
		`{"cinema_id":"c1","screening_id":"s","film_id":"f","box_office_day":"d","tickets":[{"id":"a","sold_at":"b","sale_date":"c","price":"1","category":"adult","channel":"web"},]}`,
	} {
		cases = append(cases, []byte(s))
	}
	for _, c := range cases {
		checkSaleBody(t, c)
	}
}

func checkSaleBody(t *testing.T, b []byte) {
	t.Helper()
	var want, got saleBody
	werr := json.Unmarshal(b, &want)
	gerr := decodeSaleBody(b, &got)
	if (werr == nil) != (gerr == nil) || (werr == nil && !reflect.DeepEqual(want, got)) {
		t.Errorf("%s:\njson %+v, %v\nscanner %+v, %v", b, want, werr, got, gerr)
	}
}

// FuzzDecodeSaleBody compares the scanner with encoding/json on any bytes.
func FuzzDecodeSaleBody(f *testing.F) {
	f.Add([]byte(`{"cinema_id":"c1","screening_id":"s","film_id":"f","box_office_day":"d","tickets":[{"id":"a","sold_at":"b","sale_date":"c","price":"1","category":"adult","seat":"A1","channel":"web"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) { checkSaleBody(t, b) })
}

// TestParseBodyTimeEqualsTimeParse: the scanners of the body's time and
// date layouts give what time.Parse gives, on valid and invalid strings.
func TestParseBodyTimeEqualsTimeParse(t *testing.T) {
	times := []string{"2026-11-30T10:00:00.000000Z", "2024-02-29T23:59:59.999999Z", "2025-02-29T00:00:00.000000Z",
		"2026-13-01T00:00:00.000000Z", "2026-00-10T00:00:00.000000Z", "2026-04-31T00:00:00.000000Z", "2026-11-30T24:00:00.000000Z",
		"2026-11-30T10:60:00.000000Z", "2026-11-30T10:00:60.000000Z", "2026-11-30T10:00:00.00000aZ", "2026-11-30T10:00:00.000000+",
		"+026-11-30T10:00:00.000000Z", "2026-11-30T10:00:00Z", "2026-11-30T10:00:00.123+05:00", "1900-02-29T00:00:00.000000Z",
		"2000-02-29T00:00:00.000000Z", "0000-01-01T00:00:00.000000Z", "2026-11-30 10:00:00.000000Z", ""}
	for _, s := range times {
		want, werr := time.Parse(time.RFC3339Nano, s)
		got, gerr := parseBodyTime(s)
		if (werr == nil) != (gerr == nil) || !want.Equal(got) || want.Location() != got.Location() {
			t.Errorf("%q: time.Parse %v %v, parseBodyTime %v %v", s, want, werr, got, gerr)
		}
	}
	dates := []string{"2026-11-30", "2024-02-29", "2023-02-29", "2026-13-01", "2026-01-32", "2026-1-30", "2026/11/30", "-026-11-30", "2026-11-3x", ""}
	for _, s := range dates {
		want, werr := time.Parse(dateLayout, s)
		got, gerr := parseDate(s)
		if (werr == nil) != (gerr == nil) || !want.Equal(got) || want.Location() != got.Location() {
			t.Errorf("%q: time.Parse %v %v, parseDate %v %v", s, want, werr, got, gerr)
		}
	}
}
