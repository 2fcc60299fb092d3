package boxoffice

import (
	"errors"
	"testing"
	"time"

	"ecinema/validate"
)

func d(s string) time.Time {
	t, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNewPeriod(t *testing.T) {
	// 2026-01-08 is a Thursday.
	tests := []struct {
		kind           Kind
		date, from, to string
		wantFrom       string
		wantTo         string
		prevFrom       string
		prevTo         string
	}{
		{Day, "2026-01-08", "", "", "2026-01-08", "2026-01-08", "2026-01-07", "2026-01-07"},
		{Day, "2026-01-01", "", "", "2026-01-01", "2026-01-01", "2025-12-31", "2025-12-31"},
		{Weekend, "2026-01-09", "", "", "2026-01-09", "2026-01-11", "2026-01-02", "2026-01-04"}, // Friday
		{Weekend, "2026-01-10", "", "", "2026-01-09", "2026-01-11", "2026-01-02", "2026-01-04"}, // Saturday
		{Weekend, "2026-01-11", "", "", "2026-01-09", "2026-01-11", "2026-01-02", "2026-01-04"}, // Sunday
		{Weekend, "2026-01-12", "", "", "2026-01-09", "2026-01-11", "2026-01-02", "2026-01-04"}, // Monday: last weekend
		{Weekend, "2026-01-15", "", "", "2026-01-09", "2026-01-11", "2026-01-02", "2026-01-04"}, // Thursday: last weekend
		{Week, "2026-01-08", "", "", "2026-01-08", "2026-01-14", "2026-01-01", "2026-01-07"},    // Thursday starts
		{Week, "2026-01-14", "", "", "2026-01-08", "2026-01-14", "2026-01-01", "2026-01-07"},    // Wednesday ends
		{Week, "2026-01-11", "", "", "2026-01-08", "2026-01-14", "2026-01-01", "2026-01-07"},
		{Month, "2026-03-31", "", "", "2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"},
		{Month, "2024-03-15", "", "", "2024-03-01", "2024-03-31", "2024-02-01", "2024-02-29"},
		{Month, "2026-01-05", "", "", "2026-01-01", "2026-01-31", "2025-12-01", "2025-12-31"},
		{Year, "2026-07-04", "", "", "2026-01-01", "2026-12-31", "2025-01-01", "2025-12-31"},
		{Custom, "", "2026-01-10", "2026-01-12", "2026-01-10", "2026-01-12", "2026-01-07", "2026-01-09"},
		{Custom, "", "2026-01-10", "2026-01-10", "2026-01-10", "2026-01-10", "2026-01-09", "2026-01-09"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.date+tt.from, func(t *testing.T) {
			var day, from, to time.Time
			if tt.date != "" {
				day = d(tt.date)
			}
			if tt.from != "" {
				from, to = d(tt.from), d(tt.to)
			}
			p, err := NewPeriod(tt.kind, day, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.From.Format(DateLayout) + ".." + p.To.Format(DateLayout); got != tt.wantFrom+".."+tt.wantTo {
				t.Errorf("period = %s, want %s..%s", got, tt.wantFrom, tt.wantTo)
			}
			pp := p.previous()
			if got := pp.From.Format(DateLayout) + ".." + pp.To.Format(DateLayout); got != tt.prevFrom+".."+tt.prevTo {
				t.Errorf("previous = %s, want %s..%s", got, tt.prevFrom, tt.prevTo)
			}
			if pp.Kind != p.Kind {
				t.Errorf("previous kind %s", pp.Kind)
			}
		})
	}
}

func TestNewPeriodErrors(t *testing.T) {
	tests := []struct {
		kind  Kind
		from  string
		to    string
		field string
		code  string
	}{
		{"fortnight", "", "", "period", "invalid"},
		{Custom, "", "", "from", "required"},
		{Custom, "2026-01-10", "2026-01-09", "to", "before_from"},
		{Custom, "2010-01-01", "2026-01-09", "to", "too_long"},
	}
	for _, tt := range tests {
		var from, to time.Time
		if tt.from != "" {
			from, to = d(tt.from), d(tt.to)
		}
		_, err := NewPeriod(tt.kind, d("2026-01-01"), from, to)
		var qe *validate.Errors
		if !errors.As(err, &qe) || len(qe.Fields) != 1 || qe.Fields[0].Field != tt.field || qe.Fields[0].Code != tt.code || !errors.Is(err, validate.ErrInvalid) {
			t.Errorf("%s %s..%s: err = %v, want %s/%s", tt.kind, tt.from, tt.to, err, tt.field, tt.code)
		}
	}
}

func TestGroups(t *testing.T) {
	g, err := groups(Month, d("2025-11-15"), d("2026-02-03"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2025-11-15..2025-11-30", "2025-12-01..2025-12-31", "2026-01-01..2026-01-31", "2026-02-01..2026-02-03"}
	if len(g) != len(want) {
		t.Fatalf("got %d groups, want %d", len(g), len(want))
	}
	for i, p := range g {
		if got := p.From.Format(DateLayout) + ".." + p.To.Format(DateLayout); got != want[i] {
			t.Errorf("group %d = %s, want %s", i, got, want[i])
		}
	}
	g, err = groups(Year, d("2025-06-01"), d("2026-02-03"))
	if err != nil || len(g) != 2 || g[0].To != d("2025-12-31") || g[1].From != d("2026-01-01") {
		t.Fatalf("year groups = %v, %v", g, err)
	}
	if _, err := groups(Week, d("2025-06-01"), d("2026-02-03")); !errors.Is(err, validate.ErrInvalid) {
		t.Errorf("week grouping: err = %v", err)
	}
}
