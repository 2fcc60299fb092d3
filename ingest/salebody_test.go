package ingest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
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
