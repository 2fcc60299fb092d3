package web

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
)

// TestDefaultPeriodsAtNight: the pages' default periods are the last
// complete ones (SPEC 11), and a box-office day runs until 06:00 local
// time of the next date (SPEC 2): from local midnight to 06:00 the day
// before is still open. So at 03:00 on a Monday the last complete weekend
// is the one before yesterday's, at 02:00 on a Thursday the last complete
// week is the one before, and just after a month or a year turns, the
// statement month and the year so far are still the old ones.
func TestDefaultPeriodsAtNight(t *testing.T) {
	for _, tc := range []struct {
		now                  string
		weekend, week, month string
		year                 int
	}{
		{"2026-11-30T03:00:00+05:00", "2026-11-22", "2026-11-25", "2026-11", 2026}, // Monday night: Sunday still open
		{"2026-11-30T07:00:00+05:00", "2026-11-29", "2026-11-25", "2026-11", 2026}, // Monday morning: the weekend is complete
		{"2026-12-03T02:00:00+05:00", "2026-11-29", "2026-11-25", "2026-12", 2026}, // Thursday night: Wednesday still open
		{"2026-12-02T03:00:00+05:00", "2026-11-29", "2026-11-25", "2026-11", 2026}, // 1 December still open
		{"2026-12-01T00:30:00+05:00", "2026-11-29", "2026-11-25", "2026-11", 2026}, // the month has just turned
		{"2027-01-01T00:30:00+05:00", "2026-12-27", "2026-12-30", "2026-12", 2026}, // New Year's night
		{"2027-01-02T03:00:00+05:00", "2026-12-27", "2026-12-30", "2026-12", 2026}, // 1 January still open
		{"2027-01-02T06:00:00+05:00", "2026-12-27", "2026-12-30", "2027-01", 2027},
		{"2028-03-01T03:00:00+05:00", "2028-02-27", "2028-02-23", "2028-02", 2028}, // 29 February still open
		{"2026-11-30T19:30:00Z", "2026-11-29", "2026-11-25", "2026-11", 2026},      // 00:30 local on 1 December, as UTC
	} {
		now, err := time.Parse(time.RFC3339, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		p := New(Deps{Now: func() time.Time { return now }})
		today := p.today()
		if got := lastBefore(today, time.Sunday).Format(time.DateOnly); got != tc.weekend {
			t.Errorf("at %s: the last complete weekend ends %s, want %s", tc.now, got, tc.weekend)
		}
		if got := lastBefore(today, time.Wednesday).Format(time.DateOnly); got != tc.week {
			t.Errorf("at %s: the last complete week ends %s, want %s", tc.now, got, tc.week)
		}
		if got := p.yesterday().Year(); got != tc.year {
			t.Errorf("at %s: the year so far is %d, want %d", tc.now, got, tc.year)
		}
		c := echo.New().NewContext(httptest.NewRequest("GET", "/statements", nil), httptest.NewRecorder())
		d, _, err := p.statementQuery(c, apikey.Principal{}, nil)
		if err != nil || d.Month != tc.month {
			t.Errorf("at %s: the statement month is %q (%v), want %s", tc.now, d.Month, err, tc.month)
		}
	}
}
