package ledger

import (
	"fmt"
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
	b := encodeEntry(4711, prev, at, "sale", "key_1.a:b-c", []byte(`{"cinema_id":"c1","n":[1,2,{"x":"\u0041"}]}`))
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

// TestValidAt checks validAt against time.Parse and Format on every day of
// a few years and on malformed times.
func TestValidAt(t *testing.T) {
	check := func(s string) {
		tm, err := time.Parse(timeLayout, s)
		want := err == nil && tm.Format(timeLayout) == s
		if got := validAt([]byte(s)); got != want {
			t.Errorf("validAt(%q) = %v, time.Parse agrees: %v", s, got, want)
		}
	}
	for _, y := range []int{0, 1900, 2000, 2024, 2026, 2100, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				check(fmt.Sprintf("%04d-%02d-%02dT23:59:59.999999Z", y, m, d))
			}
		}
	}
	for _, s := range []string{"2026-11-29T24:00:00.000000Z", "2026-11-29T10:60:00.000000Z", "2026-11-29T10:00:60.000000Z",
		"2026-11-29T10:00:00.00000Z", "2026-11-29 10:00:00.000000Z", "2026-11-29T10:00:00.000000z", "2026-11-29T10:00:00,000000Z",
		"+026-11-29T10:00:00.000000Z", "2026-1a-29T10:00:00.000000Z", "2026-11-29T10:00:00.0000000"} {
		check(s)
	}
}
