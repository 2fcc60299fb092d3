package posclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/ingest/posclient"
)

// A POS reports two tickets; the first attempt meets a server that is not
// ready yet (503), the client retries with the same Idempotency-Key, and the
// sale is recorded once. Then a ticket id that was already sold is rejected
// with a typed error that is not retried.
func Example() {
	// A stand-in for the ecinema server, so that the example runs as is.
	attempts := 0
	sold := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"error":{"code":"not_ready","message":"starting"}}`, http.StatusServiceUnavailable)
			return
		}
		var req posclient.SalesRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":{"code":"invalid_json","message":"bad body"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		for i, t := range req.Tickets {
			if sold[t.ID] {
				w.WriteHeader(http.StatusConflict)
				fmt.Fprintf(w, `{"error":{"code":"duplicate_ticket","message":"ticket already recorded","details":[{"field":"tickets[%d].id","code":"duplicate_ticket","message":%q}]}}`, i, t.ID)
				return
			}
		}
		for _, t := range req.Tickets {
			sold[t.ID] = true
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"entry":{"seq":1042,"leaf_hash":"5f0c…"},"accepted":%d,"flags":[]}`, len(req.Tickets))
	}))
	defer srv.Close()

	client, err := posclient.New(srv.URL, "pos-key-of-cinema-C17",
		posclient.WithRetryWait(10*time.Millisecond, time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	almaty := time.FixedZone("Asia/Almaty", 5*3600)
	sale := posclient.SalesRequest{
		ScreeningID: "C17-H2-20260108-1930",
		Tickets: []posclient.Ticket{
			{ID: "T-000981", SoldAt: time.Date(2026, 1, 8, 19, 12, 0, 0, almaty),
				Price: decimal.RequireFromString("2500"), Category: "adult", Seat: "R5-12", Channel: "box_office"},
			{ID: "T-000982", SoldAt: time.Date(2026, 1, 8, 19, 12, 0, 0, almaty),
				Price: decimal.RequireFromString("1800.50"), Category: "child", Seat: "R5-13", Channel: "box_office"},
		},
	}

	ctx := context.Background()
	res, err := client.PostSales(ctx, sale)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("recorded as entry %d: %d tickets, HTTP %d after %d attempts\n", res.Entry.Seq, res.Accepted, res.Status, attempts)

	// The same tickets as a new logical request: a conflict, never retried.
	_, err = client.PostSales(ctx, sale)
	var apiErr *posclient.APIError
	if errors.As(err, &apiErr) && len(apiErr.Details) > 0 { // a 409 names the ticket or seat in its details
		fmt.Println(apiErr.Status, apiErr.Code, apiErr.Details[0].Field, posclient.IsConflict(err))
	}

	// A price finer than a tiyn never leaves the terminal.
	sale.Tickets[0].Price = decimal.RequireFromString("2500.005")
	_, err = client.PostSales(ctx, sale)
	fmt.Println(err, errors.Is(err, posclient.ErrInvalidRequest))
	// Output:
	// recorded as entry 1042: 2 tickets, HTTP 201 after 2 attempts
	// 409 duplicate_ticket tickets[0].id true
	// posclient: invalid request: tickets[0].price: amount 2500.005 has more than 2 fraction digits true
}
