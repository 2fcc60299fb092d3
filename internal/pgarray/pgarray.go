// Package pgarray sends one-dimensional PostgreSQL array parameters whose
// elements were encoded ahead of time, in PostgreSQL's binary format, in
// parts: the ledger writer's tickets insert takes arrays of a group's
// tickets, and each sale's part is encoded by its own request goroutine,
// so that the serial writer only joins bytes instead of encoding every
// element (pgx's array encoding was two fifths of the writer's own CPU in
// the batch load).
//
// Invariants:
//   - An Array's bytes are exactly what pgx sends for the same elements as
//     a Go slice ([]string, []int32, []time.Time as timestamptz or date):
//     TestArrayEqualsPgx compares them on random elements.
//   - An Array is sent only on connections whose type map went through
//     Register (internal/postgres registers every pool's connections), only
//     in binary format and only for a parameter of its own array type;
//     anything else is pgx's "unable to encode" error, never other bytes.
package pgarray

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Elements are array elements encoded in binary, back to back, each with
// its length; one part of an Array. The zero value is empty.
type Elements struct {
	data []byte
	n    int
}

// Grow makes room for about n more bytes.
func (e *Elements) Grow(n int) { e.data = slices.Grow(e.data, n) }

// Len is the number of elements.
func (e *Elements) Len() int { return e.n }

// Text appends a text element.
func (e *Elements) Text(s string) {
	e.data = binary.BigEndian.AppendUint32(e.data, uint32(len(s)))
	e.data = append(e.data, s...)
	e.n++
}

// Int4 appends an int4 element.
func (e *Elements) Int4(v int32) {
	e.data = binary.BigEndian.AppendUint32(e.data, 4)
	e.data = binary.BigEndian.AppendUint32(e.data, uint32(v))
	e.n++
}

// y2kMicros is 2000-01-01 00:00 UTC, PostgreSQL's epoch, in microseconds
// since the Unix epoch.
const y2kMicros = 946684800 * 1000000

// Timestamptz appends a timestamptz element: t to the microsecond, the
// nanoseconds below it dropped (as pgx does).
func (e *Elements) Timestamptz(t time.Time) {
	us := t.Unix()*1000000 + int64(t.Nanosecond())/1000
	e.data = binary.BigEndian.AppendUint32(e.data, 8)
	e.data = binary.BigEndian.AppendUint64(e.data, uint64(us-y2kMicros))
	e.n++
}

// Date appends a date element: t's year, month and day in t's location
// (as pgx does).
func (e *Elements) Date(t time.Time) {
	days := (time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() - 946684800) / 86400
	e.data = binary.BigEndian.AppendUint32(e.data, 4)
	e.data = binary.BigEndian.AppendUint32(e.data, uint32(int32(days)))
	e.n++
}

// Array is a one-dimensional array parameter of element type Elem (an
// OID: pgtype.TextOID, Int4OID, TimestamptzOID, DateOID) made of Parts in
// order. No element is NULL.
type Array struct {
	Elem  uint32
	Parts []*Elements
}

// Len is the number of elements.
func (a Array) Len() int {
	n := 0
	for _, p := range a.Parts {
		n += p.n
	}
	return n
}

// appendBinary appends the array in PostgreSQL's binary array format.
func (a Array) appendBinary(buf []byte) []byte {
	n := a.Len()
	size := 20
	for _, p := range a.Parts {
		size += len(p.data)
	}
	buf = slices.Grow(buf, size)
	buf = binary.BigEndian.AppendUint32(buf, 1) // dimensions
	buf = binary.BigEndian.AppendUint32(buf, 0) // no NULL
	buf = binary.BigEndian.AppendUint32(buf, a.Elem)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	buf = binary.BigEndian.AppendUint32(buf, 1) // lower bound
	for _, p := range a.Parts {
		buf = append(buf, p.data...)
	}
	return buf
}

// arrays are the array types an Array may be sent as, by element type.
var arrays = map[uint32]uint32{
	pgtype.TextOID:        pgtype.TextArrayOID,
	pgtype.Int4OID:        pgtype.Int4ArrayOID,
	pgtype.TimestamptzOID: pgtype.TimestamptzArrayOID,
	pgtype.DateOID:        pgtype.DateArrayOID,
}

// Register lets m send Arrays: the codec of each array type above is
// wrapped so that it sends an Array of its element type as it is and
// hands every other value to the codec it wraps.
func Register(m *pgtype.Map) {
	for elem, oid := range arrays {
		t, ok := m.TypeForOID(oid)
		if !ok {
			continue
		}
		if _, done := t.Codec.(codec); done {
			continue
		}
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: t.OID, Codec: codec{Codec: t.Codec, elem: elem}})
	}
}

type codec struct {
	pgtype.Codec
	elem uint32
}

func (c codec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(Array); ok {
		if format != pgtype.BinaryFormatCode {
			return nil
		}
		return encodePlan{elem: c.elem}
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

// encodePlan sends an Array of element type elem. pgx keeps a plan for
// every Array of the parameter's type, so the element type is checked
// here, on each value.
type encodePlan struct{ elem uint32 }

func (p encodePlan) Encode(value any, buf []byte) ([]byte, error) {
	a := value.(Array)
	if a.Elem != p.elem {
		return nil, fmt.Errorf("pgarray: an array of element type %d sent as an array of type %d", a.Elem, p.elem)
	}
	return a.appendBinary(buf), nil
}
