package hubs

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

func TestFoldKeepsUTF8(t *testing.T) {
	var b strings.Builder
	long := "SUMMARY:" + strings.Repeat("Қазақстан креативті хабтары; ", 8)
	fold(&b, long)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	var joined strings.Builder
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i, len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a character: %q", i, l)
		}
		if i > 0 {
			if l[0] != ' ' {
				t.Fatalf("continuation %d does not start with a space", i)
			}
			l = l[1:]
		}
		joined.WriteString(l)
	}
	if joined.String() != long {
		t.Errorf("unfolding does not give the line back")
	}
}

func TestEscape(t *testing.T) {
	if got := escape("a;b,c\\d\ne"); got != `a\;b\,c\\d\ne` {
		t.Errorf("escape = %q", got)
	}
}

func TestScore(t *testing.T) {
	in := Investor{Ticket: Ticket{Min: "10.00", Max: "30.00"}}
	for _, tc := range []struct {
		amount string
		want   int
	}{{"20", 100}, {"10", 50}, {"30", 50}, {"15", 75}, {"25", 75}} {
		if got := score(in, decimal.RequireFromString(tc.amount)); got != tc.want {
			t.Errorf("Score(%s) = %d, want %d", tc.amount, got, tc.want)
		}
	}
	if got := score(Investor{Ticket: Ticket{Min: "5.00", Max: "5.00"}}, decimal.NewFromInt(5)); got != 100 {
		t.Errorf("one-amount ticket: %d", got)
	}
}
