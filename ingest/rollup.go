package ingest

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// daySums adds ticket prices and admissions by local sale date: the
// sales_daily rows a sale adds to or a refund takes from. The live writes
// and the deep check's replay build them the same way, so the rebuilt
// rollup can only differ from the stored one where the data does.
type daySums map[time.Time]*daySum

type daySum struct {
	gross decimal.Decimal
	n     int64
}

func (m daySums) add(saleDate time.Time, price decimal.Decimal) {
	d := m[saleDate]
	if d == nil {
		d = &daySum{}
		m[saleDate] = d
	}
	d.gross = d.gross.Add(price)
	d.n++
}

// dayTotals are daySums in date order, as the arrays the unnest statements
// take (gross as fixed two-decimal strings).
type dayTotals struct {
	dates  []time.Time
	gross  []string
	admits []int64
}

func (m daySums) totals() dayTotals {
	var t dayTotals
	for d := range m {
		t.dates = append(t.dates, d)
	}
	sort.Slice(t.dates, func(i, j int) bool { return t.dates[i].Before(t.dates[j]) })
	for _, d := range t.dates {
		t.gross = append(t.gross, m[d].gross.StringFixed(2))
		t.admits = append(t.admits, m[d].n)
	}
	return t
}
