package validate

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"

	"github.com/shopspring/decimal"
)

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// WrongType is the field detail of a JSON value of the wrong type: the
// field as encoding/json names it and what it must be in JSON's own words
// ("must be a string, not a number"), never a Go type name, which means
// nothing to a client written in another language.
func WrongType(e *json.UnmarshalTypeError) FieldError {
	msg := "must be " + JSONType(e.Type)
	if e.Value != "" {
		msg += ", not " + e.Value
	}
	return FieldError{Field: e.Field, Code: "wrong_type", Message: msg}
}

// JSONType names the JSON value a Go type is decoded from: a string, an
// integer, a number, true or false, an array or an object.
func JSONType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String() // interfaces and the like: never a type error
}

// jsonNotNumber names the JSON value raw is when it is not a number, in
// the words WrongType uses ("string", "null"), or "" for a number.
func jsonNotNumber(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "string"
	case 'n':
		return "null"
	case 't', 'f':
		return "bool"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return ""
}

// JSONNumber parses a required JSON number (any fraction, not a string or
// null) from its raw JSON value: a value of another type is recorded as
// "wrong_type" in WrongType's words. The caller checks the range.
func (e *Errors) JSONNumber(field string, raw json.RawMessage) (decimal.Decimal, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		e.Add(field, "required", "is required")
		return decimal.Zero, false
	}
	if not := jsonNotNumber(raw); not != "" {
		e.Add(field, "wrong_type", "must be a number, not %s", not)
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(string(raw))
	if err != nil {
		e.Add(field, "wrong_type", "must be a number, not %s", raw) // not JSON: the decoder let nothing else through
		return decimal.Zero, false
	}
	return d, true
}

// JSONInt parses a required JSON integer within [min, max] from its raw
// JSON value (a json.RawMessage of a map or an any-typed field, which the
// decoder cannot type-check): a string ("7"), a number with a fraction or
// an exponent (7.5, 7.0, 1e1), null, true or false, an array or an object
// is recorded as "wrong_type" in the words WrongType uses for a typed field
// ("must be an integer, not number 7.5"); an integer outside the range as
// "out_of_range". It reports whether the value is valid.
func (e *Errors) JSONInt(field string, raw json.RawMessage, min, max int64) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		e.Add(field, "required", "is required")
		return 0, false
	}
	not := jsonNotNumber(raw)
	if not == "" && bytes.ContainsAny(raw, ".eE") {
		not = "number " + string(raw)
	}
	if not != "" {
		e.Add(field, "wrong_type", "must be an integer, not %s", not)
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		e.Add(field, "wrong_type", "must be an integer, not %s", raw) // not JSON: the decoder let nothing else through
		return 0, false
	}
	if err != nil || n < min || n > max {
		e.Add(field, "out_of_range", "must be an integer from %d to %d", min, max)
		return 0, false
	}
	return n, true
}
