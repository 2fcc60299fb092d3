package validate

import (
	"errors"
	"fmt"
	"strings"
)

// The classes of refusal this package knows; a domain package declares its
// own (ErrSeatAlreadySold, ErrUnknownReference) and api/errors.go maps each
// class to a status and a code.
var (
	// ErrInvalid is the class of an *Errors without a Class: fields that
	// failed their checks (400 invalid_request; invalid_query on a read,
	// whose fields are query parameters).
	ErrInvalid = errors.New("invalid request")
	// ErrInvalidQuery is a query or path parameter at fault, whatever the
	// method (400 invalid_query).
	ErrInvalidQuery = errors.New("invalid query")
)

// FieldError names one field at fault: the request field (a.b[2].c, a query
// parameter, a file of a bag), a code for programs and a message for people.
// An empty Code takes the API code of the error's class.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Errors is the one error of a refused request. As a collector (the zero
// value, filled by Add and the field checks, returned by Err) it is the
// fields that failed their checks; built by Refuse it is a rule's refusal:
// a Class the API's table maps to a status and code, a Message for the
// client and the fields at fault, if any. Real failures (a database error)
// are never an *Errors: the API answers those with 500 and logs them.
type Errors struct {
	// Class is the error the API's table maps; nil reads as ErrInvalid.
	Class error
	// Message is for the client; "" when the fields say it all.
	Message string
	Fields  []FieldError
}

// Refuse is a refusal of class naming the field at fault ("" for none),
// with a message for the client. The field's detail repeats the message
// and takes its code from the class's row in the API's table.
func Refuse(class error, field, format string, args ...any) *Errors {
	e := &Errors{Class: class, Message: fmt.Sprintf(format, args...)}
	if field != "" {
		e.Fields = []FieldError{{Field: field, Message: e.Message}}
	}
	return e
}

// Error returns the message, or lists every invalid field with its message.
func (e *Errors) Error() string {
	if e.Message != "" {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Unwrap returns the class (ErrInvalid when none is set), so that
// errors.Is(err, ErrSeatAlreadySold) works.
func (e *Errors) Unwrap() error {
	if e.Class == nil {
		return ErrInvalid
	}
	return e.Class
}

// Field names the first field at fault, or "".
func (e *Errors) Field() string {
	if len(e.Fields) == 0 {
		return ""
	}
	return e.Fields[0].Field
}

// Cause returns the *Errors inside err (dropping the wrapping of lower layers,
// whose prefixes are not for clients), or err itself when it holds none.
func Cause(err error) error {
	var e *Errors
	if errors.As(err, &e) {
		return e
	}
	return err
}
