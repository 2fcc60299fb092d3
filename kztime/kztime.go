// Package kztime is Kazakhstan's time as the product counts it: one zone,
// Asia/Almaty (UTC+5 for the whole country since 2024-03-01, tzdata 2024a
// or newer, embedded with time/tzdata), the local calendar date, and the
// box-office day of SPEC 2. Every package takes local dates from here, so
// no second zone value (a FixedZone, another LoadLocation) can drift from it.
//
// Dates are returned as midnight UTC of the local date, the form pgx encodes
// as a SQL date.
package kztime

import (
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Almaty must load on machines without a zoneinfo database
)

// Location is Kazakhstan's time zone, Asia/Almaty.
var Location = mustLoad("Asia/Almaty")

// DayStartHour is the local hour at which a box-office day begins: a
// screening that starts before 06:00 belongs to the previous day.
const DayStartHour = 6

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("kztime: load %s: %v", name, err))
	}
	return loc
}

// LocalDate returns the local calendar date of t as midnight UTC.
func LocalDate(t time.Time) time.Time {
	y, m, d := t.In(Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// BoxOfficeDay returns the box-office day of something starting at start:
// the local date of the start, minus one day when the start is before 06:00
// local time, as midnight UTC.
func BoxOfficeDay(start time.Time) time.Time {
	l := start.In(Location)
	y, m, d := l.Date()
	if l.Hour() < DayStartHour {
		d--
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// LastCompleteDay is the last box-office day that has ended at now: the
// box-office day of now, minus one. From local midnight to 06:00 the local
// day before is still open: its late screenings may not have started yet.
func LastCompleteDay(now time.Time) time.Time {
	return BoxOfficeDay(now).AddDate(0, 0, -1)
}
