package ledger

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseEntryFast checks the verifier's header scanner against
// ParseEntry: on the writer's bytes both give the same result, and on any
// mutation of them the scanner either agrees with ParseEntry or declines
// (never accepts what ParseEntry rejects).
func TestParseEntryFast(t *testing.T) {
	var prev [32]byte
	prev[3] = 0xab
	at := time.Date(2026, 11, 29, 10, 0, 0, 123000, time.UTC)
	b := EncodeEntry(4711, prev, at, "sale", "key_1.a:b-c", []byte(`{"cinema_id":"c1","n":[1,2,{"x":"\u0041"}]}`))
	fast, fprev, ok := parseEntryFast(b)
	if !ok {
		t.Fatalf("canonical bytes declined: %s", b)
	}
	slow, err := ParseEntry(b)
	if err != nil || string(fast.Body) != string(slow.Body) || fast.Seq != slow.Seq || fast.Prev != slow.Prev ||
		fast.At != slow.At || fast.Kind != slow.Kind || fast.Actor != slow.Actor || fprev != prev {
		t.Fatalf("fast %+v, slow %+v (%v)", fast, slow, err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for i := 0; i < 20000; i++ {
		m := append([]byte(nil), b...)
		for k := 0; k <= r.IntN(3); k++ {
			switch r.IntN(3) {
			case 0:
				m[r.IntN(len(m))] = byte(r.IntN(128))
			case 1:
				j := r.IntN(len(m))
				m = append(m[:j], m[j+1:]...)
			default:
				j := r.IntN(len(m))
				m = append(m[:j], append([]byte{byte(r.IntN(128))}, m[j:]...)...)
			}
		}
		f, _, ok := parseEntryFast(m)
		if !ok {
			continue
		}
		accepted++
		s, err := ParseEntry(m)
		if err != nil {
			t.Fatalf("scanner accepted what ParseEntry rejects (%v): %s", err, m)
		}
		if f.Seq != s.Seq || f.Prev != s.Prev || f.At != s.At || f.Kind != s.Kind || f.Actor != s.Actor || string(f.Body) != string(s.Body) {
			t.Fatalf("scanner and ParseEntry disagree on %s: %+v vs %+v", m, f, s)
		}
	}
	if accepted == 0 {
		t.Fatal("no mutation was accepted; the comparison checked nothing")
	}
}
