package web_test

import (
	"context"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/demo"
	"ecinema/internal/apptest"
	"ecinema/kztime"
)

// BenchmarkPages measures each page's time (request to last byte over
// loopback, so server time plus a little) and size on a 30-day demo at
// ECINEMA_WEB_BENCH_SCALE of Kazakhstan's volume (default 0.05; 1 is the
// make run demo, about 1.5 M tickets, and takes minutes to load).
// Reports p50 and p95 in ms and the bytes of one answer.
func BenchmarkPages(b *testing.B) {
	scale := 0.05
	if s := os.Getenv("ECINEMA_WEB_BENCH_SCALE"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			b.Fatal(err)
		}
		scale = v
	}
	env := apptest.New(b)
	ctx := context.Background()
	last := kztime.LastCompleteDay(time.Now())
	if _, err := demo.Load(ctx, env.App.Pool, env.App.Writer, demo.Config{Days: 30, Scale: scale, Seed: 1, Last: last}); err != nil {
		b.Fatal(err)
	}
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		b.Fatal(err)
	}
	var producer string
	if err := env.App.Pool.QueryRow(ctx, `SELECT id FROM parties WHERE kind = 'producer' ORDER BY id LIMIT 1`).Scan(&producer); err != nil {
		b.Fatal(err)
	}
	month := last.Format("2006-01")
	for _, pg := range []struct{ name, path, key string }{
		{"home", "/", ""},
		{"boxoffice-week", "/boxoffice?period=week", env.AdminKey},
		{"boxoffice-year", "/boxoffice?period=year", env.AdminKey},
		{"statements-producer", "/statements?month=" + month, env.Key(apikey.RoleProducer, "", producer)},
		{"verify", "/verify", ""},
	} {
		b.Run(pg.name, func(b *testing.B) {
			c := browserClient(b)
			if pg.key != "" {
				signIn(b, c, env.URL, pg.key)
			}
			var times []time.Duration
			var size int64
			for b.Loop() {
				start := time.Now()
				res, err := c.Get(env.URL + pg.path)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("GET %s: %d %v", pg.path, res.StatusCode, err)
				}
				times = append(times, time.Since(start))
				size = n
			}
			slices.Sort(times)
			ms := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))]) / 1e6 }
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.95), "p95-ms")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
