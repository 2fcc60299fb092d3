package ingest

import (
	"time"

	"ecinema/kztime"
)

// adultOnlyStartAllowed reports whether a 21+ film may start at start: only
// from 22:00 up to (not including) 06:00 local time.
func adultOnlyStartAllowed(start time.Time) bool {
	h := start.In(kztime.Location).Hour()
	return h >= 22 || h < kztime.DayStartHour
}

// isNightStart reports whether start is between 00:00 and 06:00 local time,
// the window of the night_high_occupancy flag.
func isNightStart(start time.Time) bool {
	return start.In(kztime.Location).Hour() < kztime.DayStartHour
}
