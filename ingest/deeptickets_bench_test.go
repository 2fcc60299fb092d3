package ingest

import (
	"fmt"
	"testing"
)

// BenchmarkDeepReplaySales is verify --deep's work per sale entry of the
// demo's shape (7 tickets): salesProjection and the insert into the
// in-memory tickets.
func BenchmarkDeepReplaySales(b *testing.B) {
	es := make([]bodyEntry, 4000)
	for i := range es {
		body := saleBody{CinemaID: fmt.Sprintf("c%d", i%100), ScreeningID: fmt.Sprintf("s-%d", i%700), FilmID: "film-12",
			BoxOfficeDay: "2026-11-30"}
		for k := range 7 {
			body.Tickets = append(body.Tickets, saleBodyTicket{ID: fmt.Sprintf("t-%d-%d", i, k), SoldAt: "2026-11-30T10:00:00.123456Z",
				SaleDate: "2026-11-30", Price: "2500.00", Category: "adult", Seat: fmt.Sprintf("R%d-%d", k, i%30), Channel: "web"})
		}
		es[i] = bodyEntry{Seq: int64(i), Body: saleBodyBytes(b, body)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d := newDeepTickets(0)
		p, err := salesProjection(es)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.insert(&p.tickets, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(es)), "ns/entry")
}
