package demo

import (
	"time"

	"github.com/shopspring/decimal"

	"ecinema/kztime"
)

// SalesKey is a sales_daily key.
type SalesKey struct {
	CinemaID, FilmID      string
	BoxOfficeDay, SaleDay time.Time
}

// SalesAgg is a sales_daily value: net of refunds.
type SalesAgg struct {
	Gross      decimal.Decimal
	Admissions int64
}

// ScreeningKey is a screenings_daily key.
type ScreeningKey struct {
	CinemaID, FilmID string
	BoxOfficeDay     time.Time
}

// Rollup adds planned screenings to the rollups ingest would write for
// them (sales_daily and screenings_daily, SPEC contract): it is what the
// box-office benchmark uses to build a year of rollups without writing 22
// million tickets, and a test checks it against what ingest really wrote.
func Rollup(plan []Screening, sales map[SalesKey]*SalesAgg, screenings map[ScreeningKey]int) {
	for i := range plan {
		s := &plan[i]
		bod := kztime.BoxOfficeDay(s.StartsAt)
		screenings[ScreeningKey{s.CinemaID, s.FilmID, bod}]++
		refunded := make(map[string]bool, len(s.Refunds))
		for _, r := range s.Refunds {
			refunded[r.TicketID] = true
		}
		for _, t := range s.Tickets {
			if refunded[t.ID] {
				continue
			}
			k := SalesKey{s.CinemaID, s.FilmID, bod, kztime.LocalDate(t.SoldAt)}
			a := sales[k]
			if a == nil {
				a = &SalesAgg{}
				sales[k] = a
			}
			a.Gross = a.Gross.Add(t.Price)
			a.Admissions++
		}
	}
}
