package ingest

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// dailySums adds ticket prices and admissions per sales_daily row (cinema,
// film, box-office day, local sale date): the rows a run of sales adds to
// or a run of refunds takes from. Sums commute, so the rows come out the
// same however the entries are grouped into runs (live groups or the deep
// check's batches).
type dailySums map[dailyKey]*daySum

type dailyKey struct {
	cinema, film  string
	bod, saleDate time.Time
}

type daySum struct {
	gross decimal.Decimal
	n     int64
}

func (m dailySums) add(k dailyKey, price decimal.Decimal) {
	d := m.row(k)
	d.gross = d.gross.Add(price)
	d.n++
}

// row returns the sums of row k, new when absent.
func (m dailySums) row(k dailyKey) *daySum {
	d := m[k]
	if d == nil {
		d = &daySum{}
		m[k] = d
	}
	return d
}

// dailyTotals are dailySums in key order, as the arrays the unnest
// statements take (gross as fixed two-decimal strings).
type dailyTotals struct {
	cinema, film  []string
	bod, saleDate []time.Time
	gross         []string
	admits        []int64
}

func (m dailySums) totals() dailyTotals {
	keys := make([]dailyKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case a.cinema != b.cinema:
			return a.cinema < b.cinema
		case a.film != b.film:
			return a.film < b.film
		case !a.bod.Equal(b.bod):
			return a.bod.Before(b.bod)
		}
		return a.saleDate.Before(b.saleDate)
	})
	var t dailyTotals
	for _, k := range keys {
		t.cinema = append(t.cinema, k.cinema)
		t.film = append(t.film, k.film)
		t.bod = append(t.bod, k.bod)
		t.saleDate = append(t.saleDate, k.saleDate)
		t.gross = append(t.gross, m[k].gross.StringFixed(2))
		t.admits = append(t.admits, m[k].n)
	}
	return t
}
