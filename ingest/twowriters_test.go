package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"ecinema/ingest"
	"ecinema/ledger"
)

// TestTwoWriters: two server processes (two ledger writers, two services)
// on one database. Identical requests sent to both make one entry; the same
// seat offered by both under different ticket ids is sold once. The head row
// lock serialises the writers, and the rules run inside that lock.
func TestTwoWriters(t *testing.T) {
	w := newWorld(t)
	w.mustScreening(t, "s1", "h2", "f1", localAt(1, 19, 0))
	ctx, cancel := context.WithCancel(context.Background())
	w2 := ledger.NewWriter(w.App.Pool, ledger.WriterConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan struct{})
	go func() { defer close(done); w2.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	svcs := []*ingest.Service{w.App.Ingest, ingest.NewService(w.App.Pool, w2, ingest.Config{})}
	caller := ingest.Caller{KeyID: "pos-key", CinemaID: "c1"}
	sold := time.Now().Add(-time.Hour)

	e0, n0 := w.counts(t)
	same, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{ticket("t1", sold, "2500.00", "A1")}})
	var wg sync.WaitGroup
	bodies := make([][]byte, 20)
	errs := make([]error, 20)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := sellJSON(t.Context(), svcs[i%2], caller, "same-key", same)
			if err == nil {
				bodies[i], _ = json.Marshal(r)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range bodies {
		if errs[i] != nil || string(bodies[i]) != string(bodies[0]) {
			t.Fatalf("request %d: %v %s (first %s)", i, errs[i], bodies[i], bodies[0])
		}
	}
	if e, n := w.counts(t); e != e0+1 || n != n0+1 {
		t.Fatalf("identical requests through two writers: %d entries, %d tickets; want 1 and 1", e-e0, n-n0)
	}

	// 20 different tickets for seat B7, half through each writer.
	codes := make([]string, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(map[string]any{"screening_id": "s1", "tickets": []tk{ticket(fmt.Sprintf("b%d", i), sold, "2500.00", "B7")}})
			_, err := sellJSON(t.Context(), svcs[i%2], caller, fmt.Sprintf("seat-%d", i), b)
			switch {
			case err == nil:
				codes[i] = "ok"
			case errors.Is(err, ingest.ErrSeatAlreadySold):
				codes[i] = "seat"
			default:
				codes[i] = err.Error()
			}
		}()
	}
	wg.Wait()
	ok, seat := 0, 0
	for _, c := range codes {
		switch c {
		case "ok":
			ok++
		case "seat":
			seat++
		default:
			t.Fatalf("unexpected: %s", c)
		}
	}
	if ok != 1 || seat != 19 {
		t.Fatalf("seat B7 sold %d times, refused %d; want 1 and 19", ok, seat)
	}
}

// sellJSON sends a JSON sales body to the typed service as the API does.
func sellJSON(ctx context.Context, svc *ingest.Service, c ingest.Caller, key string, body []byte) (*ingest.SaleResult, error) {
	sale, err := ingest.ParseSales(body)
	if err != nil {
		return nil, err
	}
	return svc.Sell(ctx, c, ingest.Idem{Key: key, Hash: ingest.RequestHash("POST /v1/sales", body)}, sale)
}
