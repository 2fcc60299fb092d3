package ledger

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

func TestEncodeEntryExactBytes(t *testing.T) {
	var prev [32]byte
	copy(prev[:], bytes.Repeat([]byte{0xab}, 32))
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("KZ", 5*3600))
	got := encodeEntry(42, prev, at, "sale", `key"1<`, []byte(`{"price":"2500.00","title":"Қыз Жібек"}`))
	want := `{"v":1,"seq":42,"prev":"` + strings.Repeat("ab", 32) + `","at":"2026-01-01T22:04:05.600000Z","kind":"sale","actor":"key\"1<","body":{"price":"2500.00","title":"Қыз Жібек"}}`
	if string(got) != want {
		t.Fatalf("bytes\n got %s\nwant %s", got, want)
	}
	sum := sha256.Sum256(append([]byte{0}, got...))
	if LeafHash(got) != sum {
		t.Fatal("leaf hash is not SHA-256(0x00 || bytes)")
	}
	p, err := ParseEntry(got)
	if err != nil || p.Seq != 42 || p.Kind != "sale" || p.Actor != `key"1<` {
		t.Fatalf("parse = %+v, %v", p, err)
	}
	for _, bad := range []string{
		`{"v":2,"seq":0,"prev":"` + strings.Repeat("0", 64) + `","at":"2026-01-01T00:00:00.000000Z","kind":"a","actor":"x","body":{}}`,
		`{"v":1,"seq":0,"prev":"` + strings.Repeat("A", 64) + `","at":"2026-01-01T00:00:00.000000Z","kind":"a","actor":"x","body":{}}`,
		`{"v":1,"seq":0,"prev":"` + strings.Repeat("0", 64) + `","at":"2026-01-01T00:00:00Z","kind":"a","actor":"x","body":{}}`,
		`{"v":1,"seq":0,"prev":"` + strings.Repeat("0", 64) + `","at":"2026-01-01T00:00:00.000000Z","kind":"a","actor":"x","body":[]}`,
		`{"v":1,"seq":0,"prev":"` + strings.Repeat("0", 64) + `","at":"2026-01-01T00:00:00.000000Z","kind":"a","actor":"x","body":{},"extra":1}`,
	} {
		if _, err := ParseEntry([]byte(bad)); err == nil {
			t.Errorf("ParseEntry accepted %s", bad)
		}
	}
}

// TestRawBody: a RawBody is used as it is when it is one JSON object, and
// refused otherwise.
func TestRawBody(t *testing.T) {
	ok := `{"a":"x<&>","b":[1,{"c":null}]}`
	if b, err := marshalBody(RawBody(ok)); err != nil || string(b) != ok {
		t.Errorf("marshalBody(%s) = %s, %v", ok, b, err)
	}
	for _, bad := range []string{``, `{`, `[]`, `"x"`, `{"a":1} `, ` {"a":1}`, `{"a":}`, `{"a":1}{"b":2}`, `{"a":"` + "\x01" + `"}`} {
		if b, err := marshalBody(RawBody(bad)); err == nil {
			t.Errorf("marshalBody(%q) = %s, want an error", bad, b)
		}
	}
}
