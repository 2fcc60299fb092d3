package validate

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
)

// TestWrongType: a value of the wrong type is named in JSON's words, never
// as a Go type (a POS written in C# cannot act on "[]ingest.ticketJSON").
func TestWrongType(t *testing.T) {
	type hall struct {
		Seats int `json:"seats"`
	}
	type req struct {
		Name    *string `json:"name"`
		VAT     bool    `json:"vat_payer"`
		Halls   []hall  `json:"halls"`
		Tickets []hall  `json:"tickets"`
		Rate    float64 `json:"rate"`
		Tags    map[string]string
		Addr    netip.Addr `json:"addr"`
	}
	for _, tc := range []struct{ body, field, msg string }{
		{`{"name":5}`, "name", "must be a string, not number"},
		{`{"vat_payer":"yes"}`, "vat_payer", "must be true or false, not string"},
		{`{"halls":[{"seats":1.5}]}`, "halls.seats", "must be an integer, not number 1.5"},
		{`{"tickets":{}}`, "tickets", "must be an array, not object"},
		{`{"rate":"1"}`, "rate", "must be a number, not string"},
		{`{"addr":5}`, "addr", "must be a string, not number"},
		{`{"Tags":[]}`, "Tags", "must be an object, not array"},
	} {
		var v req
		err := json.Unmarshal([]byte(tc.body), &v)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			t.Fatalf("%s: %v is not a type error", tc.body, err)
		}
		got := WrongType(te)
		if got.Field != tc.field || got.Code != "wrong_type" || got.Message != tc.msg {
			t.Errorf("%s: %+v, want field %q message %q", tc.body, got, tc.field, tc.msg)
		}
	}
}
