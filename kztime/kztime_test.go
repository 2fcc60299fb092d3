package kztime

import (
	"testing"
	"time"
)

func TestBoxOfficeDay(t *testing.T) {
	for _, tc := range []struct {
		start string
		want  string
	}{
		{"2026-03-14T20:00:00+05:00", "2026-03-14"},
		{"2026-03-15T05:59:00+05:00", "2026-03-14"}, // before 06:00: the previous day
		{"2026-03-15T06:00:00+05:00", "2026-03-15"},
		{"2026-03-14T19:30:00Z", "2026-03-14"},      // 00:30 local on the 15th
		{"2026-01-01T00:30:00+05:00", "2025-12-31"}, // across a year
		{"2026-03-01T05:59:59+05:00", "2026-02-28"},
		{"2026-03-01T00:30:00Z", "2026-02-28"}, // 05:30 local
		{"2026-03-01T01:00:00Z", "2026-03-01"}, // 06:00 local
	} {
		start, err := time.Parse(time.RFC3339, tc.start)
		if err != nil {
			t.Fatal(err)
		}
		if got := BoxOfficeDay(start).Format("2006-01-02"); got != tc.want {
			t.Errorf("BoxOfficeDay(%s) = %s, want %s", tc.start, got, tc.want)
		}
	}
	if got := LocalDate(time.Date(2025, 12, 31, 19, 0, 0, 0, time.UTC)).Format("2006-01-02"); got != "2026-01-01" {
		t.Errorf("LocalDate of 19:00 UTC on 31 December = %s, want 2026-01-01 (UTC+5)", got)
	}
	if _, off := time.Date(2026, 7, 1, 12, 0, 0, 0, Location).Zone(); off != 5*3600 {
		t.Errorf("Asia/Almaty offset in 2026 = %d s, want UTC+5 (tzdata 2024a or newer)", off)
	}
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, Location) // 03:00: still the 29th's box-office day
	if got := LastCompleteDay(now).Format("2006-01-02"); got != "2026-11-28" {
		t.Errorf("LastCompleteDay(%s) = %s, want 2026-11-28", now, got)
	}
}
