package ingest

import (
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Almaty must load on machines without a zoneinfo database
)

// Location is Kazakhstan's time zone, Asia/Almaty (UTC+5 since 2024-03-01).
// Every local date in the product (box-office day, sale date) is taken in it.
var Location = mustLoad("Asia/Almaty")

// DayStartHour is the local hour at which a box-office day begins: a
// screening that starts before 06:00 belongs to the previous day.
const DayStartHour = 6

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("ingest: load %s: %v", name, err))
	}
	return loc
}

// LocalDate returns the local (Asia/Almaty) calendar date of t as midnight
// UTC of that date, the form pgx encodes as a SQL date.
func LocalDate(t time.Time) time.Time {
	y, m, d := t.In(Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// BoxOfficeDay returns the box-office day of a screening starting at start:
// the local date of the start, minus one day when the start is before 06:00
// local time. The result is midnight UTC of that date.
func BoxOfficeDay(start time.Time) time.Time {
	l := start.In(Location)
	y, m, d := l.Date()
	if l.Hour() < DayStartHour {
		d--
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AdultOnlyStartAllowed reports whether a 21+ film may start at start: only
// from 22:00 up to (not including) 06:00 local time.
func AdultOnlyStartAllowed(start time.Time) bool {
	h := start.In(Location).Hour()
	return h >= 22 || h < DayStartHour
}

// isNightStart reports whether start is between 00:00 and 06:00 local time,
// the window of the night_high_occupancy flag.
func isNightStart(start time.Time) bool {
	return start.In(Location).Hour() < DayStartHour
}
