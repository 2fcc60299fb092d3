package keyset

import (
	"slices"
	"testing"
)

func TestSizeAndCut(t *testing.T) {
	for limit, want := range map[int]int{-1: 100, 0: 100, 1: 1, 500: 500, 501: 500} {
		if got := (Page{Limit: limit}).Size(); got != want {
			t.Errorf("Page{Limit: %d}.Size() = %d, want %d", limit, got, want)
		}
	}
	id := func(s string) string { return s }
	p := Page{Limit: 2}
	if items, next := cut(p, []string{"a", "b", "c"}, id); !slices.Equal(items, []string{"a", "b"}) || next != "b" {
		t.Errorf("a page with one row more: %v, next %q; want [a b], next b", items, next)
	}
	if items, next := cut(p, []string{"a", "b"}, id); len(items) != 2 || next != "" {
		t.Errorf("the last page: %v, next %q; want both, no next", items, next)
	}
}
