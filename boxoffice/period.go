package boxoffice

import (
	"fmt"
	"time"

	"ecinema/validate"
)

// Kind is the kind of a box-office period.
type Kind string

// The period kinds of SPEC 6.
const (
	Day      Kind = "day"
	Weekend  Kind = "weekend"  // Friday to Sunday
	Weekdays Kind = "weekdays" // Monday to Thursday
	Week     Kind = "week"     // Thursday to Wednesday
	Month    Kind = "month"
	Year     Kind = "year"
	Custom   Kind = "custom"
)

// DateLayout is the layout of dates in queries and answers.
const DateLayout = "2006-01-02"

// MaxCustomDays bounds a custom period and a share query's span.
const MaxCustomDays = 3700

// invalid is a query parameter at fault: a *validate.Errors, the one error
// of bad input, which the API answers with 400 invalid_query.
func invalid(field, code, msg string) error {
	return &validate.Errors{Fields: []validate.FieldError{{Field: field, Code: code, Message: msg}}}
}

// Period is an inclusive range of box-office days. From and To are dates
// (midnight UTC carrying the calendar date).
type Period struct {
	Kind Kind
	From time.Time
	To   time.Time
}

// days returns the number of box-office days in p.
func (p Period) days() int {
	return int(p.To.Sub(p.From).Hours()/24) + 1
}

// String renders p as "kind from..to".
func (p Period) String() string {
	return fmt.Sprintf("%s %s..%s", p.Kind, p.From.Format(DateLayout), p.To.Format(DateLayout))
}

// ParseDate parses a YYYY-MM-DD date into midnight UTC.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(DateLayout, s)
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// truncDate keeps only the calendar date of t (read in t's own location).
func truncDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return date(y, m, d)
}

// NewPeriod builds the period of the given kind for date (day, weekend,
// week, month, year) or for from..to (custom).
//
//   - day: the date itself.
//   - weekend: Friday to Sunday; when date is a Friday, Saturday or Sunday the
//     weekend containing it, otherwise the last weekend that ended before it.
//   - weekdays: Monday to Thursday; when date is one of them the weekdays
//     containing it, otherwise (Friday to Sunday) the last ones before it.
//   - week: the Thursday-to-Wednesday week containing date.
//   - month, year: the calendar month or year containing date.
//   - custom: from..to inclusive, at most MaxCustomDays days.
func NewPeriod(kind Kind, day, from, to time.Time) (Period, error) {
	day = truncDate(day)
	switch kind {
	case Day:
		return Period{Kind: Day, From: day, To: day}, nil
	case Weekend:
		// Days since the most recent Friday (Friday=0 ... Thursday=6).
		back := (int(day.Weekday()) - int(time.Friday) + 7) % 7
		// Monday..Thursday (back 3..6) land on the Friday of the weekend
		// that ended before date.
		fri := day.AddDate(0, 0, -back)
		return Period{Kind: Weekend, From: fri, To: fri.AddDate(0, 0, 2)}, nil
	case Weekdays:
		// Days since the most recent Monday (Monday=0 ... Sunday=6).
		back := (int(day.Weekday()) - int(time.Monday) + 7) % 7
		mon := day.AddDate(0, 0, -back)
		return Period{Kind: Weekdays, From: mon, To: mon.AddDate(0, 0, 3)}, nil
	case Week:
		back := (int(day.Weekday()) - int(time.Thursday) + 7) % 7
		thu := day.AddDate(0, 0, -back)
		return Period{Kind: Week, From: thu, To: thu.AddDate(0, 0, 6)}, nil
	case Month:
		first := date(day.Year(), day.Month(), 1)
		return Period{Kind: Month, From: first, To: first.AddDate(0, 1, -1)}, nil
	case Year:
		return Period{Kind: Year, From: date(day.Year(), 1, 1), To: date(day.Year(), 12, 31)}, nil
	case Custom:
		from, to = truncDate(from), truncDate(to)
		if from.IsZero() || to.IsZero() {
			return Period{}, invalid("from", "required", "custom period needs from and to")
		}
		if to.Before(from) {
			return Period{}, invalid("to", "before_from", "to is before from")
		}
		p := Period{Kind: Custom, From: from, To: to}
		if p.days() > MaxCustomDays {
			return Period{}, invalid("to", "too_long", fmt.Sprintf("a custom period spans at most %d days", MaxCustomDays))
		}
		return p, nil
	}
	return Period{}, invalid("period", "invalid", "period must be day, weekdays, weekend, week, month, year or custom")
}

// previous returns the period of the same kind just before p: the day
// before, the weekend, weekdays or week seven days earlier, the previous calendar
// month or year, or for a custom period the span of the same length ending
// the day before p starts.
func (p Period) previous() Period {
	switch p.Kind {
	case Day:
		d := p.From.AddDate(0, 0, -1)
		return Period{Kind: Day, From: d, To: d}
	case Weekend, Weekdays, Week:
		return Period{Kind: p.Kind, From: p.From.AddDate(0, 0, -7), To: p.To.AddDate(0, 0, -7)}
	case Month:
		first := p.From.AddDate(0, -1, 0)
		return Period{Kind: Month, From: first, To: p.From.AddDate(0, 0, -1)}
	case Year:
		return Period{Kind: Year, From: p.From.AddDate(-1, 0, 0), To: p.From.AddDate(0, 0, -1)}
	default:
		n := p.days()
		to := p.From.AddDate(0, 0, -1)
		return Period{Kind: p.Kind, From: to.AddDate(0, 0, -(n - 1)), To: to}
	}
}

// groups splits from..to into calendar months or years (kind Month or
// Year), the first and last clipped to from and to.
func groups(kind Kind, from, to time.Time) ([]Period, error) {
	from, to = truncDate(from), truncDate(to)
	if kind != Month && kind != Year {
		return nil, invalid("group_by", "invalid", "group_by must be month or year")
	}
	if from.IsZero() || to.IsZero() {
		return nil, invalid("from", "required", "from and to are required")
	}
	if to.Before(from) {
		return nil, invalid("to", "before_from", "to is before from")
	}
	if int(to.Sub(from).Hours()/24)+1 > MaxCustomDays {
		return nil, invalid("to", "too_long", fmt.Sprintf("the span is at most %d days", MaxCustomDays))
	}
	var out []Period
	for cur := from; !cur.After(to); {
		g, _ := NewPeriod(kind, cur, time.Time{}, time.Time{})
		if g.From.Before(from) {
			g.From = from
		}
		if g.To.After(to) {
			g.To = to
		}
		out = append(out, g)
		cur = g.To.AddDate(0, 0, 1)
	}
	return out, nil
}
