package ingest

import (
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"slices"
	"testing"

	"ecinema/validate"
)

// amountOracle is an independent statement of a valid price: a plain
// decimal string (no sign, exponent or spaces) with at most two fraction
// digits, between 0 and 1,000,000.00.
var amountOracle = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

func oraclePrice(s string) (*big.Rat, bool) {
	if !amountOracle.MatchString(s) || len(s) > 16 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1000000, 1)) > 0 {
		return nil, false
	}
	return r, true
}

// FuzzParseSales decodes and validates arbitrary sales bodies. It must never
// panic, must only fail with the package's error types, and must never
// accept a price the oracle rejects or change the value of one it accepts.
// Seed corpus: testdata/fuzz/FuzzParseSales.
func FuzzParseSales(f *testing.F) {
	f.Add([]byte(`{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00+05:00","price":"2500.00","category":"adult","seat":"R5-12","channel":"box_office"}]}`))
	f.Add([]byte(`{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-03-01T19:30:00Z","price":"1e3","category":"adult","channel":"web"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sale, err := ParseSales(data)
		if err != nil {
			var ve *validate.Errors
			if !errors.As(err, &ve) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if sale != nil {
				t.Fatalf("a sale returned with an error")
			}
			return
		}
		if len(sale.Tickets) == 0 || len(sale.Tickets) > maxTickets {
			t.Fatalf("accepted %d tickets", len(sale.Tickets))
		}
		if !validID(sale.ScreeningID) {
			t.Fatalf("accepted screening id %q", sale.ScreeningID)
		}
		// Independent re-decoding of the raw prices.
		var raw struct {
			Tickets []struct {
				Price string `json:"price"`
			} `json:"tickets"`
		}
		if err := json.Unmarshal(data, &raw); err != nil || len(raw.Tickets) != len(sale.Tickets) {
			t.Fatalf("accepted a body the oracle cannot decode: %v", err)
		}
		ids := map[string]bool{}
		for i, tk := range sale.Tickets {
			want, ok := oraclePrice(raw.Tickets[i].Price)
			if !ok {
				t.Fatalf("accepted invalid price %q", raw.Tickets[i].Price)
			}
			if tk.Price.Rat().Cmp(want) != 0 {
				t.Fatalf("price %q became %s", raw.Tickets[i].Price, tk.Price)
			}
			if tk.Price.IsNegative() || !tk.Price.Equal(tk.Price.Truncate(2)) || tk.Price.GreaterThan(maxPrice) {
				t.Fatalf("accepted price %s", tk.Price)
			}
			if !validID(tk.ID) || ids[tk.ID] {
				t.Fatalf("accepted ticket id %q (duplicate %v)", tk.ID, ids[tk.ID])
			}
			ids[tk.ID] = true
			if !slices.Contains(priceCategories, tk.Category) {
				t.Fatalf("accepted category %q", tk.Category)
			}
			if tk.SoldAt.IsZero() || !validate.InRange(tk.SoldAt, validate.MinOperational, validate.MaxOperational) {
				t.Fatalf("accepted sold_at %v", tk.SoldAt)
			}
		}
	})
}
