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

// TestJSONInt: a raw JSON value is an integer within the range, or one
// field error: wrong_type in WrongType's words, or out_of_range.
func TestJSONInt(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int64
		code string
		msg  string
	}{
		{`7`, 7, "", ""},
		{` 0 `, 0, "", ""},
		{`10`, 10, "", ""},
		{`-0`, 0, "", ""},
		{`"7"`, 0, "wrong_type", "must be an integer, not string"},
		{`7.5`, 0, "wrong_type", "must be an integer, not number 7.5"},
		{`7.0`, 0, "wrong_type", "must be an integer, not number 7.0"},
		{`1e1`, 0, "wrong_type", "must be an integer, not number 1e1"},
		{`null`, 0, "wrong_type", "must be an integer, not null"},
		{`false`, 0, "wrong_type", "must be an integer, not bool"},
		{`[7]`, 0, "wrong_type", "must be an integer, not array"},
		{`{}`, 0, "wrong_type", "must be an integer, not object"},
		{`11`, 0, "out_of_range", "must be an integer from 0 to 10"},
		{`-1`, 0, "out_of_range", "must be an integer from 0 to 10"},
		{`99999999999999999999`, 0, "out_of_range", "must be an integer from 0 to 10"},
		{``, 0, "required", "is required"},
	} {
		var e Errors
		got, ok := e.JSONInt("scores.q", json.RawMessage(tc.raw), 0, 10)
		if tc.code == "" {
			if !ok || got != tc.want || e.Err() != nil {
				t.Errorf("%s: %d %v %v, want %d", tc.raw, got, ok, e.Err(), tc.want)
			}
			continue
		}
		if ok || len(e.Fields) != 1 || e.Fields[0] != (FieldError{"scores.q", tc.code, tc.msg}) {
			t.Errorf("%s: %v %+v, want %s %q", tc.raw, ok, e.Fields, tc.code, tc.msg)
		}
	}
}

// TestJSONNumber: a raw JSON value is a number, any fraction, or one
// wrong_type field error in WrongType's words.
func TestJSONNumber(t *testing.T) {
	for _, tc := range []struct{ raw, want, msg string }{
		{`50`, "50", ""},
		{`33.3`, "33.3", ""},
		{`1e1`, "10", ""},
		{`"50"`, "", "must be a number, not string"},
		{`null`, "", "must be a number, not null"},
		{`true`, "", "must be a number, not bool"},
		{``, "", "is required"},
	} {
		var e Errors
		got, ok := e.JSONNumber("criteria[0].weight", json.RawMessage(tc.raw))
		if tc.msg == "" {
			if !ok || got.String() != tc.want || e.Err() != nil {
				t.Errorf("%s: %s %v %v", tc.raw, got, ok, e.Err())
			}
			continue
		}
		if ok || len(e.Fields) != 1 || e.Fields[0].Message != tc.msg {
			t.Errorf("%s: %v %+v, want %q", tc.raw, ok, e.Fields, tc.msg)
		}
	}
}
