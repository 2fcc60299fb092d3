package ingest

import (
	"fmt"
	"math"
	"strings"
)

// screeningSums are verify --deep's screening totals of every run, summed
// (sold, or refunded): tickets and gross in tiyn, by value. A national
// year has about a million screenings; kept as decimals behind pointers
// they were four heap objects each, which the garbage collector marked on
// every one of its cycles — more than a third of the deep check's time.
// The gross strings added are a run's totals as the live write sends them
// (two decimals, sortedScreeningTotals), so the sums are exact.
type screeningSums map[scrKey]screeningSum

type screeningSum struct {
	n    int32
	tiyn int64
}

// add adds a run's totals.
func (m screeningSums) add(s screeningTotals) error {
	for i := range s.id {
		t, err := parseTiyn(s.gross[i])
		if err != nil {
			return fmt.Errorf("screening %q: %w", s.id[i], err)
		}
		k := scrKey{s.cinema[i], s.id[i]}
		v := m[k]
		if (t > 0 && v.tiyn > math.MaxInt64-t) || (t < 0 && v.tiyn < math.MinInt64-t) {
			return fmt.Errorf("screening %q: gross overflows", s.id[i])
		}
		v.n += s.n[i]
		v.tiyn += t
		m[k] = v
	}
	return nil
}

// sorted returns the sums in key order, as sortedScreeningTotals does.
func (m screeningSums) sorted() screeningTotals {
	return screeningTotalsOf(m, func(v screeningSum) (int32, string) { return v.n, formatTiyn(v.tiyn) })
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
