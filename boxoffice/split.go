package boxoffice

import (
	"math/bits"
	"time"
)

// span is a period split for the monthly rollups: the whole calendar
// months it covers (first days MonthFrom..MonthTo, nil when none) and the
// days outside them (at most two ranges, nil bounds when absent). Every
// bound is a *time.Time so that an absent range is SQL NULL, which matches
// no row.
type span struct {
	MonthFrom, MonthTo *time.Time
	Day1From, Day1To   *time.Time
	Day2From, Day2To   *time.Time
}

func monthStart(t time.Time) time.Time { return date(t.Year(), t.Month(), 1) }

// splitMonths splits from..to (inclusive dates) into whole months and the
// edge days before and after them.
func splitMonths(from, to time.Time) span {
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
	if last.Before(first) {
		s.Day1From, s.Day1To = &from, &to
		return s
	}
	s.MonthFrom, s.MonthTo = &first, &last
	if from.Before(first) {
		e := first.AddDate(0, 0, -1)
		s.Day1From, s.Day1To = &from, &e
	}
	if end := last.AddDate(0, 1, -1); end.Before(to) {
		b := end.AddDate(0, 0, 1)
		s.Day2From, s.Day2To = &b, &to
	}
	return s
}

// args returns the six bounds as query arguments ($1..$6).
func (s span) args() []any {
	return []any{s.MonthFrom, s.MonthTo, s.Day1From, s.Day1To, s.Day2From, s.Day2To}
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
