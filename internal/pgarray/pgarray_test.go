package pgarray_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"ecinema/internal/pgarray"
	"ecinema/internal/pgtest"
)

// column is one random array: its elements as pgx would take them and as
// parts of an Array.
type column struct {
	oid   uint32 // the array type
	slice any
	array pgarray.Array
}

var zones = []*time.Location{time.UTC, time.FixedZone("+05", 5*3600), time.FixedZone("-0930", -(9*3600 + 1800))}

func randomColumns(r *rand.Rand) []column {
	n := r.IntN(40)
	split := func(add func(e *pgarray.Elements, i int)) []*pgarray.Elements {
		var parts []*pgarray.Elements
		for i := 0; i < n; {
			p := &pgarray.Elements{}
			if r.IntN(3) == 0 {
				p.Grow(r.IntN(64))
			}
			for k := r.IntN(5); k >= 0 && i < n; k-- {
				add(p, i)
				i++
			}
			parts = append(parts, p)
			if r.IntN(4) == 0 {
				parts = append(parts, &pgarray.Elements{}) // an empty part
			}
		}
		return parts
	}
	texts := make([]string, n)
	ints := make([]int32, n)
	times := make([]time.Time, n)
	for i := range n {
		var b strings.Builder
		for k := r.IntN(12); k > 0; k-- {
			b.WriteRune([]rune("aZ09 \"\\,{}ҚқӘəЁ\u2028\x01")[r.IntN(17)])
		}
		texts[i] = b.String()
		ints[i] = int32(r.Uint32())
		// 1900–2100, nanoseconds, in a few zones.
		times[i] = time.Unix(-2208988800+r.Int64N(6311433600), r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
	}
	return []column{
		{pgtype.TextArrayOID, texts, pgarray.Array{Elem: pgtype.TextOID, Parts: split(func(e *pgarray.Elements, i int) { e.Text(texts[i]) })}},
		{pgtype.Int4ArrayOID, ints, pgarray.Array{Elem: pgtype.Int4OID, Parts: split(func(e *pgarray.Elements, i int) { e.Int4(ints[i]) })}},
		{pgtype.TimestamptzArrayOID, times, pgarray.Array{Elem: pgtype.TimestamptzOID, Parts: split(func(e *pgarray.Elements, i int) { e.Timestamptz(times[i]) })}},
		{pgtype.DateArrayOID, times, pgarray.Array{Elem: pgtype.DateOID, Parts: split(func(e *pgarray.Elements, i int) { e.Date(times[i]) })}},
	}
}

// TestArrayEqualsPgx: an Array's bytes are pgx's for the same elements as
// a slice, whatever the parts; the wrapped codecs still encode slices as
// before; an Array goes only in binary, as its own array type, and only
// through a registered map.
func TestArrayEqualsPgx(t *testing.T) {
	plain := pgtype.NewMap()
	m := pgtype.NewMap()
	pgarray.Register(m)
	pgarray.Register(m) // twice: no second wrapper
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		for _, c := range randomColumns(r) {
			want, err := plain.Encode(c.oid, pgtype.BinaryFormatCode, c.slice, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Encode(c.oid, pgtype.BinaryFormatCode, c.array, []byte("prefix"))
			if err != nil {
				t.Fatalf("round %d, oid %d: %v", round, c.oid, err)
			}
			if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
				t.Fatalf("round %d, oid %d, %d elements in %d parts:\n got %x\nwant %x", round, c.oid, c.array.Len(), len(c.array.Parts), got, want)
			}
			if c.array.Len() != reflect.ValueOf(c.slice).Len() {
				t.Fatalf("Len %d, want %d", c.array.Len(), reflect.ValueOf(c.slice).Len())
			}
			slice, err := m.Encode(c.oid, pgtype.BinaryFormatCode, c.slice, nil)
			if err != nil || !bytes.Equal(slice, want) {
				t.Fatalf("oid %d: a slice through the wrapped codec: %x, %v; want %x", c.oid, slice, err, want)
			}
		}
	}
	a := pgarray.Array{Elem: pgtype.TextOID, Parts: []*pgarray.Elements{{}}}
	a.Parts[0].Text("x")
	for _, tc := range []struct {
		name   string
		m      *pgtype.Map
		oid    uint32
		format int16
	}{
		{"unregistered map", plain, pgtype.TextArrayOID, pgtype.BinaryFormatCode},
		{"text format", m, pgtype.TextArrayOID, pgtype.TextFormatCode},
		{"another element type", m, pgtype.Int4ArrayOID, pgtype.BinaryFormatCode},
		{"not an array type", m, pgtype.TextOID, pgtype.BinaryFormatCode},
	} {
		if b, err := tc.m.Encode(tc.oid, tc.format, a, nil); err == nil {
			t.Errorf("%s: encoded %x, want an error", tc.name, b)
		}
	}
}

// TestArrayRoundTrip sends Arrays to PostgreSQL through a pool of
// internal/postgres and reads the arrays back.
func TestArrayRoundTrip(t *testing.T) {
	pool := pgtest.Pool(t, pgtest.NewDatabase(t))
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		cs := randomColumns(r)
		var texts []string
		var ints []int32
		var ts, ds []time.Time
		err := pool.QueryRow(ctx, `SELECT $1::text[], $2::int4[], $3::timestamptz[], $4::date[]`,
			cs[0].array, cs[1].array, cs[2].array, cs[3].array).Scan(&texts, &ints, &ts, &ds)
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) != len(cs[0].slice.([]string)) || (len(texts) > 0 && !reflect.DeepEqual(texts, cs[0].slice)) {
			t.Fatalf("text[]: %q, want %q", texts, cs[0].slice)
		}
		if len(ints) > 0 && !reflect.DeepEqual(ints, cs[1].slice) {
			t.Fatalf("int4[]: %v, want %v", ints, cs[1].slice)
		}
		for i, want := range cs[2].slice.([]time.Time) {
			if !ts[i].Equal(want.Truncate(time.Microsecond)) && !ts[i].Equal(time.UnixMicro(want.UnixMicro())) {
				t.Fatalf("timestamptz[%d]: %v, want %v", i, ts[i], want)
			}
			y, mo, d := want.Date()
			if dy, dmo, dd := ds[i].Date(); dy != y || dmo != mo || dd != d {
				t.Fatalf("date[%d]: %v, want %04d-%02d-%02d", i, ds[i], y, mo, d)
			}
		}
	}
}
