package boxoffice

import (
	"math/big"
	"sort"

	"github.com/shopspring/decimal"
)

// By is the figure a ranking orders by.
type By string

// Ranking orders.
const (
	ByGross      By = "gross"
	ByAdmissions By = "admissions"
)

// figures are one film's box-office figures in one period.
type figures struct {
	FilmID     string
	Gross      decimal.Decimal
	Admissions int64
	Screenings int64
	Cinemas    int64
}

// order sorts figures in ranking order, in place: by the chosen figure
// descending, then by the other figure descending, then by film id
// ascending, so that every film gets a distinct rank and the order is
// deterministic.
func order(figs []figures, by By) {
	sort.SliceStable(figs, func(i, j int) bool {
		a, b := figs[i], figs[j]
		gc := a.Gross.Cmp(b.Gross)
		var first, second int
		if by == ByAdmissions {
			first, second = cmp64(a.Admissions, b.Admissions), gc
		} else {
			first, second = gc, cmp64(a.Admissions, b.Admissions)
		}
		if first != 0 {
			return first > 0
		}
		if second != 0 {
			return second > 0
		}
		return a.FilmID < b.FilmID
	})
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ranks returns film id → rank (1-based) for figures already in ranking
// order.
func ranks(ordered []figures) map[string]int {
	m := make(map[string]int, len(ordered))
	for i, f := range ordered {
		m[f.FilmID] = i + 1
	}
	return m
}

// rankChange is the number of places a film moved up since the previous
// period (negative when it fell), or nil when it was not ranked then.
func rankChange(prev map[string]int, filmID string, rank int) *int {
	p, ok := prev[filmID]
	if !ok {
		return nil
	}
	d := p - rank
	return &d
}

var hundredPct = big.NewInt(10000) // 100.00 % in hundredths of a percent

// sharesPct returns each value's share of the sum of values in percent with
// two decimals, by the largest-remainder method: every share is first
// floored to 0.01 %, then the hundredths still missing to reach exactly
// 100.00 go one each to the largest remainders (ties to the earlier value).
// So the shares of all values add up to exactly 100.00 whenever the sum is
// positive. When the sum is zero (or negative, which net figures never are)
// every share is 0.00. Values are treated at tiyn precision.
func sharesPct(values []decimal.Decimal) []decimal.Decimal {
	out := make([]decimal.Decimal, len(values))
	units := make([]*big.Int, len(values))
	total := new(big.Int)
	for i, v := range values {
		units[i] = v.Shift(2).Round(0).BigInt()
		total.Add(total, units[i])
	}
	if total.Sign() <= 0 {
		for i := range out {
			out[i] = decimal.New(0, -2)
		}
		return out
	}
	floors := make([]*big.Int, len(values))
	rems := make([]*big.Int, len(values))
	assigned := new(big.Int)
	for i, u := range units {
		n := new(big.Int).Mul(u, hundredPct)
		q, r := new(big.Int), new(big.Int)
		q.DivMod(n, total, r) // floor for non-negative, Euclidean otherwise
		floors[i], rems[i] = q, r
		assigned.Add(assigned, q)
	}
	missing := new(big.Int).Sub(hundredPct, assigned).Int64()
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rems[idx[a]].Cmp(rems[idx[b]]) > 0 })
	for k := 0; k < int(missing) && k < len(idx); k++ {
		floors[idx[k]].Add(floors[idx[k]], big.NewInt(1))
	}
	for i, f := range floors {
		out[i] = decimal.NewFromBigInt(f, -2)
	}
	return out
}
