package validate

import (
	"encoding"
	"encoding/json"
	"reflect"
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
