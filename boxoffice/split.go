package boxoffice

import (
	"math/bits"
	"time"
)

// span is a period split for the rollups: the whole calendar months it
// covers (first days MonthFrom..MonthTo), the whole weeks of the month
// outside them (at most two runs of first days, see weekStart), and the
// days outside those (at most two runs, twelve days in all: six before the
// first whole week and six after the last, or, when a period holds no whole
// week, at most twelve days of two partial weeks). Every bound
// is a *time.Time so that an absent run is SQL NULL, which matches no row.
type span struct {
	MonthFrom, MonthTo *time.Time
	Week1From, Week1To *time.Time
	Week2From, Week2To *time.Time
	Day1From, Day1To   *time.Time
	Day2From, Day2To   *time.Time
}

func monthStart(t time.Time) time.Time { return date(t.Year(), t.Month(), 1) }

// weekStart is the first day of t's week of the month: weeks are days 1–7,
// 8–14, 15–21, 22–28 and 29 to the month's end (SQL boxoffice_week,
// migration 0022), so a week never crosses a month.
func weekStart(t time.Time) time.Time { return date(t.Year(), t.Month(), t.Day()-(t.Day()-1)%7) }

// weekEnd is the last day of the week that starts on w.
func weekEnd(w time.Time) time.Time {
	e := w.AddDate(0, 0, 6)
	if e.Month() != w.Month() {
		e = monthStart(w).AddDate(0, 1, -1)
	}
	return e
}

// splitPeriod splits from..to (inclusive dates) into whole months, whole
// weeks of the month outside them, and the edge days outside those.
func splitPeriod(from, to time.Time) span {
	from, to = truncDate(from), truncDate(to)
	var s span
	if to.Before(from) {
		return s
	}
	// First whole month: the month of from when from is its first day,
	// otherwise the next one. Last whole month: the month of to when to is
	// its last day, otherwise the previous one.
	first := monthStart(from)
	if !first.Equal(from) {
		first = first.AddDate(0, 1, 0)
	}
	last := monthStart(to)
	if !last.AddDate(0, 1, -1).Equal(to) {
		last = last.AddDate(0, -1, 0)
	}
	// The runs of days outside the whole months, each within one month.
	var runs [][2]time.Time
	switch {
	case !last.Before(first):
		s.MonthFrom, s.MonthTo = &first, &last
		if from.Before(first) {
			runs = append(runs, [2]time.Time{from, first.AddDate(0, 0, -1)})
		}
		if end := last.AddDate(0, 1, -1); end.Before(to) {
			runs = append(runs, [2]time.Time{end.AddDate(0, 0, 1), to})
		}
	case monthStart(from).Equal(monthStart(to)):
		runs = append(runs, [2]time.Time{from, to})
	default: // two adjacent months, neither whole
		ms := monthStart(to)
		runs = append(runs, [2]time.Time{from, ms.AddDate(0, 0, -1)}, [2]time.Time{ms, to})
	}
	var weeks, days [][2]time.Time
	for _, r := range runs {
		w, before, after := splitWeeks(r[0], r[1])
		weeks, days = append(weeks, w...), append(days, before...)
		days = append(days, after...)
	}
	// A run before the months ends on a month's end and one after them
	// starts on a month's first day, so at most two runs of weeks and two
	// of days remain.
	if len(weeks) > 2 || len(days) > 2 {
		panic("boxoffice: splitPeriod: more than two runs of weeks or days")
	}
	pick := func(rs [][2]time.Time, i int) (*time.Time, *time.Time) {
		if i >= len(rs) {
			return nil, nil
		}
		return &rs[i][0], &rs[i][1]
	}
	s.Week1From, s.Week1To = pick(weeks, 0)
	s.Week2From, s.Week2To = pick(weeks, 1)
	s.Day1From, s.Day1To = pick(days, 0)
	s.Day2From, s.Day2To = pick(days, 1)
	return s
}

// splitWeeks splits from..to, within one month, into its whole weeks (one
// run of first days, none when empty) and the days before and after them.
func splitWeeks(from, to time.Time) (weeks, before, after [][2]time.Time) {
	first := weekStart(from)
	if !first.Equal(from) {
		first = weekEnd(first).AddDate(0, 0, 1)
	}
	last := weekStart(to)
	if !weekEnd(last).Equal(to) {
		last = weekStart(last.AddDate(0, 0, -1))
	}
	if first.Month() != from.Month() || last.Month() != to.Month() || last.Before(first) {
		return nil, [][2]time.Time{{from, to}}, nil
	}
	weeks = [][2]time.Time{{first, last}}
	if from.Before(first) {
		before = [][2]time.Time{{from, first.AddDate(0, 0, -1)}}
	}
	if end := weekEnd(last); end.Before(to) {
		after = [][2]time.Time{{end.AddDate(0, 0, 1), to}}
	}
	return weeks, before, after
}

// args returns the ten bounds as query arguments ($1..$10): months, the
// two runs of weeks, the two runs of days.
func (s span) args() []any {
	return []any{s.MonthFrom, s.MonthTo, s.Week1From, s.Week1To, s.Week2From, s.Week2To, s.Day1From, s.Day1To, s.Day2From, s.Day2To}
}

// signedDays is a period's sales read for sums, which subtract: the whole
// weeks of the span's runs, plus the edge weeks of which more than half the
// days are in the period (Weeks), the other edge days (Plus), and the days
// of those weeks outside the period (Minus), to subtract. So at most three
// edge days a week are read (an edge day is ~15 rows of boxoffice_daily, one
// per region; a week one row a film). Screenings cannot subtract (their
// bitmaps are unions) and read the span itself.
type signedDays struct {
	Weeks, Plus, Minus []time.Time
}

func (s span) signed() signedDays {
	var out signedDays
	for _, rg := range [][2]*time.Time{{s.Week1From, s.Week1To}, {s.Week2From, s.Week2To}} {
		for w := rg[0]; w != nil && !w.After(*rg[1]); {
			out.Weeks = append(out.Weeks, *w)
			next := weekEnd(*w).AddDate(0, 0, 1)
			w = &next
		}
	}
	// The edge days by week, in order.
	var weeks []time.Time
	in := map[time.Time][]time.Time{}
	for _, rg := range [][2]*time.Time{{s.Day1From, s.Day1To}, {s.Day2From, s.Day2To}} {
		for x := rg[0]; x != nil && !x.After(*rg[1]); {
			w := weekStart(*x)
			if in[w] == nil {
				weeks = append(weeks, w)
			}
			in[w] = append(in[w], *x)
			next := x.AddDate(0, 0, 1)
			x = &next
		}
	}
	for _, w := range weeks {
		days := in[w]
		n := int(weekEnd(w).Sub(w).Hours()/24) + 1
		if 2*len(days) <= n {
			out.Plus = append(out.Plus, days...)
			continue
		}
		out.Weeks = append(out.Weeks, w)
		for x := w; !x.After(weekEnd(w)); x = x.AddDate(0, 0, 1) {
			if !containsDay(days, x) {
				out.Minus = append(out.Minus, x)
			}
		}
	}
	return out
}

func containsDay(days []time.Time, d time.Time) bool {
	for _, x := range days {
		if x.Equal(d) {
			return true
		}
	}
	return false
}

// salesArgs returns the bounds of a sales read ($1..$5): the months, then
// the weeks, the days to add and the days to subtract as arrays.
func (s span) salesArgs() []any {
	d := s.signed()
	return []any{s.MonthFrom, s.MonthTo, dates(d.Weeks), dates(d.Plus), dates(d.Minus)}
}

// dates is never nil, so that an empty set is an empty array, not NULL.
func dates(ds []time.Time) []time.Time {
	if ds == nil {
		return []time.Time{}
	}
	return ds
}

// bitmap is a set of numbers, bit n at byte n/8 from the most significant
// bit, as PostgreSQL lays out a bit varying; bits past its end are zeros.
type bitmap []byte

func (b *bitmap) or(o []byte) {
	if len(o) > len(*b) {
		*b = append(*b, make([]byte, len(o)-len(*b))...)
	}
	for i, x := range o {
		(*b)[i] |= x
	}
}

func (b *bitmap) and(o bitmap) {
	for i := range *b {
		if i < len(o) {
			(*b)[i] &= o[i]
		} else {
			(*b)[i] = 0
		}
	}
}

func (b *bitmap) set(n int) {
	if need := n/8 + 1; need > len(*b) {
		*b = append(*b, make([]byte, need-len(*b))...)
	}
	(*b)[n/8] |= 0x80 >> (n % 8)
}

func (b bitmap) count() int {
	n := 0
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return n
}
