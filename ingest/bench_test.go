package ingest_test

import (
	"ecinema/internal/pgtest"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"ecinema/ingest"
	"ecinema/registry"
)

// BenchmarkSalesIngest posts sales of 1, 10 or 100 seated tickets each from
// 32 concurrent clients straight into ingest.Service (real ledger writer
// with group commit, real PostgreSQL) and reports tickets/s. Run with
// go test -run '^$' -bench SalesIngest -benchtime 1000x ./ingest/
func BenchmarkSalesIngest(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) { benchSales(b, n) })
	}
}

func benchSales(b *testing.B, perRequest int) {
	const clients, seats = 32, 10000
	w := newWorld(b)
	yes := true
	halls := []registry.Hall{}
	for i := range 4 {
		halls = append(halls, registry.Hall{ID: fmt.Sprintf("big%d", i), Name: "Big", Seats: seats})
	}
	if _, err := w.App.Registry.PutCinema(w.ctx, "test", "cb", registry.Cinema{ID: "cb", Name: "Bench", ExhibitorID: "ex1",
		Region: "KZ-75", City: "Almaty", VATPayer: &yes, Halls: halls}); err != nil {
		b.Fatal(err)
	}
	perScreening := seats / perRequest
	nScreenings := (b.N + perScreening - 1) / perScreening
	posKey := "bench-key"
	caller := ingest.Caller{KeyID: posKey, CinemaID: "cb"}
	for s := range nScreenings {
		in := &ingest.Screening{ID: fmt.Sprintf("bs%d", s), HallID: fmt.Sprintf("big%d", s%4), FilmID: "f1",
			StartsAt: localAt(1+s/4, 19, 0), Format: "2D", Language: "kk"}
		if _, err := w.App.Ingest.PutScreening(w.ctx, caller, in); err != nil {
			b.Fatal(err)
		}
	}
	sold := rfc(time.Now().Add(-time.Minute))
	bodies := make([][]byte, b.N)
	for i := range b.N {
		ts := make([]tk, perRequest)
		for j := range ts {
			ts[j] = tk{"id": fmt.Sprintf("b%d-%d", i, j), "sold_at": sold, "price": "2500.00", "category": "adult",
				"seat": fmt.Sprintf("%d-%d", i%perScreening, j), "channel": "web"}
		}
		bodies[i], _ = json.Marshal(map[string]any{"screening_id": fmt.Sprintf("bs%d", i/perScreening), "tickets": ts})
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				_, err := sellJSON(w.ctx, w.App.Ingest, caller, fmt.Sprintf("bench-%d", i), bodies[i])
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := range b.N {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	var n int64
	pgtest.Row(b, w.App.Pool, `SELECT count(*) FROM tickets WHERE cinema_id = 'cb'`).Scan(&n)
	if n != int64(b.N*perRequest) {
		b.Fatalf("tickets %d, want %d", n, b.N*perRequest)
	}
	b.ReportMetric(float64(b.N*perRequest)/el.Seconds(), "tickets/s")
	b.ReportMetric(float64(b.N)/el.Seconds(), "requests/s")
}
