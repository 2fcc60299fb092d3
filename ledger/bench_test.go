package ledger_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// BenchmarkAppend measures appends through the group-commit writer with
// many concurrent callers (b.SetParallelism × GOMAXPROCS goroutines), each
// record carrying a one-row projection like a sale.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name    string
		callers int
		project bool
	}{
		{"callers=1", 1, false},
		{"callers=64", 64, false},
		{"callers=256", 256, false},
		{"callers=64/project", 64, true},
		{"callers=256/project", 256, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			pool := pgtestNewPool(b)
			w := startWriter(b, pool, ledger.WriterConfig{})
			var next atomic.Int64
			body := map[string]any{"screening_id": "s-2026-03-01-h1-1900", "tickets": []map[string]string{
				{"id": "T-000001", "sold_at": "2026-03-01T13:05:00Z", "price": "2500.00", "category": "adult", "seat": "R5-12", "channel": "box_office"}}}
			var proj func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error
			if tc.project {
				proj = func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
					_, err := tx.Exec(ctx, `INSERT INTO ledger_projection_probe (seq, price) VALUES ($1, 2500.00)`, e.Seq)
					return err
				}
			}
			b.ResetTimer()
			var wg sync.WaitGroup
			for c := 0; c < tc.callers; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := w.Append(context.Background(), ledger.Record{Kind: "sale", Actor: "pos-1", CinemaID: "c1", FilmID: "f1", Body: body, Project: proj}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}
