package ingest

import (
	"fmt"
	"hash/maphash"
	"math"
	"strings"
)

// screeningSums are verify --deep's screening totals of every run, summed
// (sold, or refunded): tickets and gross in tiyn, by value. The gross
// strings added are a run's totals as the live write sends them (two
// decimals, sortedScreeningTotals), so the sums are exact.
//
// A national year has about a million screenings, and the sums hold no
// pointers, for the garbage collector marks every pointer on each of its
// cycles (~180 in a national year's check): kept as decimals behind
// pointers they were more than a third of the check's time, and keyed by
// the two strings still 130 MB of pointers. The map is keyed by a seeded
// hash of the key; the key's strings are kept in a textArena, and an add
// whose hash meets another key is an error rather than a silent merge
// (with 64 bits and a random seed, never in practice).
type screeningSums struct {
	seed maphash.Seed
	m    map[uint64]screeningSum
	text textArena
}

type screeningSum struct {
	n                int32
	tiyn             int64
	off              uint32 // of cinema, then id, in text
	cinemaLen, idLen uint16
}

func newScreeningSums() *screeningSums {
	return &screeningSums{seed: maphash.MakeSeed(), m: map[uint64]screeningSum{}}
}

func (m *screeningSums) hash(cinema, id string) uint64 {
	return maphash.String(m.seed, id) ^ (maphash.String(m.seed, cinema)+1)*0x9e3779b97f4a7c15
}

func (m *screeningSums) key(v screeningSum) scrKey {
	return scrKey{m.text.at(v.off, int(v.cinemaLen)), m.text.at(v.off+uint32(v.cinemaLen), int(v.idLen))}
}

// add adds a run's totals.
func (m *screeningSums) add(s screeningTotals) error {
	for i := range s.id {
		t, err := parseTiyn(s.gross[i])
		if err != nil {
			return fmt.Errorf("screening %q: %w", s.id[i], err)
		}
		h := m.hash(s.cinema[i], s.id[i])
		v, ok := m.m[h]
		if !ok {
			if len(s.cinema[i]) > 0xffff || len(s.id[i]) > 0xffff {
				return fmt.Errorf("screening %q: an id longer than %d bytes", s.id[i], 0xffff)
			}
			if v.off, err = m.text.add(s.cinema[i], s.id[i]); err != nil {
				return fmt.Errorf("screening %q: %w", s.id[i], err)
			}
			v.cinemaLen, v.idLen = uint16(len(s.cinema[i])), uint16(len(s.id[i]))
		} else if k := m.key(v); k.cinema != s.cinema[i] || k.id != s.id[i] {
			return fmt.Errorf("screenings %q of %q and %q of %q have the same hash: run the check again (another seed)", s.id[i], s.cinema[i], k.id, k.cinema)
		}
		if (t > 0 && v.tiyn > math.MaxInt64-t) || (t < 0 && v.tiyn < math.MinInt64-t) {
			return fmt.Errorf("screening %q: gross overflows", s.id[i])
		}
		v.n += s.n[i]
		v.tiyn += t
		m.m[h] = v
	}
	return nil
}

// sorted returns the sums in key order, as sortedScreeningTotals does.
func (m *screeningSums) sorted() screeningTotals {
	return screeningTotalsOf(func(yield func(scrKey, screeningSum) bool) {
		for _, v := range m.m {
			if !yield(m.key(v), v) {
				return
			}
		}
	}, func(v screeningSum) (int32, string) { return v.n, formatTiyn(v.tiyn) })
}

// parseTiyn reads an amount of exactly two decimals ("-12.30") as tiyn.
func parseTiyn(s string) (int64, error) {
	t, ok := tiynOf(s)
	if !ok {
		return 0, fmt.Errorf("amount %q is not of two decimals", s)
	}
	return t, nil
}

// tiynOf is parseTiyn without the error.
func tiynOf(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	u := strings.TrimPrefix(s, "-")
	whole, frac, ok := strings.Cut(u, ".")
	w, okW := digits(whole)
	f, okF := digits(frac)
	if !ok || len(frac) != 2 || whole == "" || len(whole) > 16 || !okW || !okF {
		return 0, false
	}
	t := int64(w)*100 + int64(f)
	if neg {
		return -t, true
	}
	return t, true
}

// formatTiyn is t tiyn as decimal.StringFixed(2) writes the amount.
func formatTiyn(t int64) string {
	sign := ""
	u := uint64(t)
	if t < 0 {
		sign, u = "-", uint64(-t) // MinInt64 wraps to itself as uint64: 2^63, right
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}
