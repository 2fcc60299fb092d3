package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/blobstore"
	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/pgcluster"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/migrations"
)

// The ticketing benchmarks run the whole service over HTTP on their own
// durable PostgreSQL cluster (fsync and synchronous commit on, like
// ecinema perf for the cinema figures), with 32 concurrent clients, and
// report requests/s with p50 and p99 latency:
//
//	go test -run '^$' -bench 'Ticket(Checkins|Sales)' -benchtime 2000x ./api/

type benchEnv struct {
	url      string
	venueKey string
	svc      *ticketing.Service
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
)

// durableEnv starts one durable cluster and server for all the ticketing
// benchmarks of the run; it stops when the test binary exits.
func durableEnv(b *testing.B) *benchEnv {
	benchOnce.Do(func() { benchE, benchErr = startDurable() })
	if benchErr != nil {
		b.Skipf("no durable PostgreSQL for the benchmark: %v", benchErr)
	}
	return benchE
}

func startDurable() (*benchEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ecinema-tbench")
	if err != nil {
		return nil, err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(dir, "data"), SocketDir: dir, LogFile: filepath.Join(dir, "pg.log")})
	if err != nil {
		return nil, err
	}
	benchCleanup = func() { c.Stop(); os.RemoveAll(dir) }
	url := c.URL("postgres")
	if err := migrations.Up(ctx, url); err != nil {
		return nil, err
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	skey, vkey, _ := ledger.GenerateKey("bench")
	signer, _ := ledger.NewSigner(skey)
	mk, _ := ticketing.GenerateMasterKey()
	sealer, _ := ticketing.NewSealer(mk)
	blobs, err := blobstore.NewFS(filepath.Join(dir, "blobs"), 0)
	if err != nil {
		return nil, err
	}
	a, err := app.New(pool, app.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Signer: signer, Verifier: vkey,
		Blobs: blobs, TicketSealer: sealer})
	if err != nil {
		return nil, err
	}
	go a.Run(context.Background())
	srv := httptest.NewServer(a.API)
	_, admin, err := a.Keys.Create(ctx, apikey.Spec{Name: "bench admin", Role: apikey.RoleAdmin})
	if err != nil {
		return nil, err
	}
	yes := true
	c0 := ticketing.Caller{KeyID: "bench"}
	if _, err := a.Ticketing.PutVenue(ctx, c0, "bv", ticketing.Venue{Kind: "concert_hall", Name: map[string]string{"kk": "Зал"},
		OperatorBIN: "180140000107", Region: "KZ-75", City: "Almaty", VATPayer: &yes,
		Zones: []ticketing.Zone{{ID: "z", Name: map[string]string{"kk": "Зал"}, Capacity: ticketing.MaxCapacity}}}); err != nil {
		return nil, err
	}
	_, key, err := a.Keys.Create(ctx, apikey.Spec{Name: "bench venue", Role: apikey.RoleVenue, Scope: "bv"})
	if err != nil {
		return nil, err
	}
	_ = admin
	vc := ticketing.Caller{KeyID: "bench", VenueID: "bv"}
	if _, err := a.Ticketing.PutEvent(ctx, vc, "be", ticketing.Event{VenueID: "bv", Kind: "concert", Title: map[string]string{"kk": "К"}, AgeRating: "0+", National: &yes}); err != nil {
		return nil, err
	}
	return &benchEnv{url: srv.URL, venueKey: key, svc: a.Ticketing}, nil
}

var benchCleanup = func() {}

var benchSession atomic.Int64

// newSession makes a session with room for n tickets.
func (e *benchEnv) newSession(b *testing.B, n int) string {
	id := fmt.Sprintf("bs%d", benchSession.Add(1))
	start := time.Now().Add(2 * time.Hour)
	if _, err := e.svc.PutSession(context.Background(), ticketing.Caller{KeyID: "bench", VenueID: "bv"}, "be", id, ticketing.Session{ZoneID: "z",
		StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(2 * time.Hour).Format(time.RFC3339), Capacity: max(n, 1),
		Tariffs: []ticketing.Tariff{{Code: "a", Name: map[string]string{"kk": "A"}, Price: "2500.00", Admissions: 1}}}); err != nil {
		b.Fatal(err)
	}
	return id
}

// drive sends b.N requests from 32 clients and reports requests/s, p50
// and p99; body(i) builds request i, ok checks its answer.
func (e *benchEnv) drive(b *testing.B, path string, headers func(i int) map[string]string, body func(i int) []byte, want int) {
	const clients = 32
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(body(i)))
				req.Header.Set("Authorization", "Bearer "+e.venueKey)
				req.Header.Set("Content-Type", "application/json")
				for k, v := range headers(i) {
					req.Header.Set(k, v)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				rb, _ := io.ReadAll(res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode != want {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s", res.StatusCode, rb))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed, first: %v", n, b.N, firstErr.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[min(b.N-1, b.N*99/100)].Microseconds())/1000, "p99_ms")
}

// BenchmarkTicketCheckins: online check-ins of distinct tickets (each
// admitted), over HTTP, 32 clients.
func BenchmarkTicketCheckins(b *testing.B) {
	e := durableEnv(b)
	sid := e.newSession(b, b.N)
	codes := make([]string, 0, b.N)
	for k := 0; len(codes) < b.N; k++ {
		n := min(ticketing.MaxTickets, b.N-len(codes))
		ts := make([]ticketing.SaleTicket, n)
		for i := range ts {
			ts[i] = ticketing.SaleTicket{ID: fmt.Sprintf("%s-%d-%d", sid, k, i), Tariff: "a", Price: "2500.00"}
		}
		resp, err := e.svc.Sell(context.Background(), ticketing.Caller{KeyID: "bench", VenueID: "bv"}, fmt.Sprintf("%s-%d", sid, k),
			ticketing.SaleRequest{SessionID: sid, Tickets: ts})
		if err != nil {
			b.Fatal(err)
		}
		var r ticketing.SaleResult
		if err := json.Unmarshal(resp.Body, &r); err != nil {
			b.Fatal(err)
		}
		for _, t := range r.Tickets {
			codes = append(codes, t.Code)
		}
	}
	now := time.Now().Format(time.RFC3339)
	e.drive(b, "/v1/tickets/checkins", func(int) map[string]string { return nil }, func(i int) []byte {
		j, _ := json.Marshal(ticketing.CheckinRequest{Code: codes[i], Gate: "g", ScannedAt: now, Device: "bench", Nonce: fmt.Sprintf("%s-%d", sid, i)})
		return j
	}, 200)
}

// BenchmarkTicketSales: sales over HTTP, 32 clients, each ticket signed:
// 1, 2 or 4 tickets a request, and 1–4 (request i sells 1 + i mod 4, the
// box office's mix).
func BenchmarkTicketSales(b *testing.B) {
	for _, name := range []string{"1", "2", "4", "1-4"} {
		b.Run("tickets="+name, func(b *testing.B) {
			count := func(i int) int {
				if name == "1-4" {
					return 1 + i%4
				}
				return int(name[0] - '0')
			}
			e := durableEnv(b)
			sid := e.newSession(b, b.N*4)
			e.drive(b, "/v1/tickets/sales", func(i int) map[string]string {
				return map[string]string{"Idempotency-Key": fmt.Sprintf("%s-%d", sid, i)}
			}, func(i int) []byte {
				ts := make([]ticketing.SaleTicket, count(i))
				for k := range ts {
					ts[k] = ticketing.SaleTicket{ID: fmt.Sprintf("%s-%d-%d", sid, i, k), Tariff: "a", Price: "2500.00"}
				}
				j, _ := json.Marshal(ticketing.SaleRequest{SessionID: sid, Tickets: ts})
				return j
			}, 201)
		})
	}
}
