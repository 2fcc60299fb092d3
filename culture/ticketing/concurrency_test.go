package ticketing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// countingAppender counts the appends of each kind: a request on the one
// write protocol appends exactly once, whatever happens under the lock.
type countingAppender struct {
	app ledger.Appender
	mu  sync.Mutex
	n   map[string]int
}

func (a *countingAppender) Append(ctx context.Context, r ledger.Record) (ledger.Entry, error) {
	a.mu.Lock()
	a.n[r.Kind]++
	a.mu.Unlock()
	return a.app.Append(ctx, r)
}

// TestLastSeatsConcurrent sells the last places of a session from many
// goroutines at once: the session is never oversold, a seat is never sold
// twice, every refused sale is refused with the rule (capacity_exceeded,
// seat_already_sold) and stores nothing, and every request appended exactly
// once (no retry: the sale is decided under the head lock). Concurrent
// refunds of one ticket revoke it once, concurrent online scans of one
// ticket admit it once. verify --deep rebuilds it all.
func TestLastSeatsConcurrent(t *testing.T) {
	mk, _ := ticketing.GenerateMasterKey()
	sealer, _ := ticketing.NewSealer(mk)
	env := apptest.New(t, func(c *app.Config) { c.TicketSealer = sealer })
	ctx := t.Context()
	now := time.Now().UTC()
	app := &countingAppender{app: env.App.Writer, n: map[string]int{}}
	svc := ticketing.NewService(env.App.Pool, app, ticketing.Config{Sealer: sealer, Now: func() time.Time { return now }})

	vat := true
	if _, err := svc.PutVenue(ctx, ticketing.Caller{KeyID: "admin"}, "hall", ticketing.Venue{Kind: "theatre",
		Name: map[string]string{"ru": "Зал"}, OperatorBIN: "180140000107", Region: "KZ-75", City: "Almaty", VATPayer: &vat,
		Zones: []ticketing.Zone{{ID: "main", Name: map[string]string{"ru": "Основной"}, Capacity: 100}}}); err != nil {
		t.Fatal(err)
	}
	c := ticketing.Caller{KeyID: "key-hall", VenueID: "hall"}
	national := true
	if _, err := svc.PutEvent(ctx, c, "ev", ticketing.Event{VenueID: "hall", Kind: "concert", Title: map[string]string{"ru": "Концерт"},
		AgeRating: "0+", National: &national}); err != nil {
		t.Fatal(err)
	}
	const capacity = 10
	start := now.Add(48 * time.Hour).Truncate(time.Minute)
	tariffs := []ticketing.Tariff{{Code: "adult", Name: map[string]string{"ru": "Взрослый"}, Price: "2000.00", Admissions: 1}}
	for _, id := range []string{"free", "seated"} {
		if _, err := svc.PutSession(ctx, c, "ev", id, ticketing.Session{ZoneID: "main", StartsAt: start.Format(time.RFC3339),
			EndsAt: start.Add(2 * time.Hour).Format(time.RFC3339), Capacity: capacity, Tariffs: tariffs}); err != nil {
			t.Fatal(err)
		}
	}

	// 40 buyers of two unseated places each for 10 places: exactly 5 win.
	// 40 buyers of one of 4 seats (10 each) in a session of 10: exactly 4 win.
	const buyers = 40
	var wg sync.WaitGroup
	var sold, capacityRefused, seatRefused atomic.Int64
	errs := make(chan error, 2*buyers)
	for i := range buyers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			req := ticketing.SaleRequest{SessionID: "free", Tickets: []ticketing.SaleTicket{
				{ID: fmt.Sprintf("f%d-1", i), Tariff: "adult", Price: "2000.00"}, {ID: fmt.Sprintf("f%d-2", i), Tariff: "adult", Price: "2000.00"}}}
			_, err := svc.Sell(ctx, c, fmt.Sprintf("free-%d", i), req)
			switch {
			case err == nil:
				sold.Add(2)
			case errors.Is(err, ticketing.ErrCapacityExceeded):
				capacityRefused.Add(1)
			default:
				errs <- fmt.Errorf("free sale %d: %w", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			req := ticketing.SaleRequest{SessionID: "seated", Tickets: []ticketing.SaleTicket{
				{ID: fmt.Sprintf("s%d", i), Tariff: "adult", Price: "2000.00", Seat: fmt.Sprintf("A-%d", i%4)}}}
			_, err := svc.Sell(ctx, c, fmt.Sprintf("seated-%d", i), req)
			switch {
			case err == nil:
			case errors.Is(err, ticketing.ErrSeatAlreadySold):
				seatRefused.Add(1)
			default:
				errs <- fmt.Errorf("seated sale %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if sold.Load() != capacity || capacityRefused.Load() != buyers-capacity/2 || seatRefused.Load() != buyers-4 {
		t.Errorf("sold %d (want %d), capacity refusals %d (want %d), seat refusals %d (want %d)",
			sold.Load(), capacity, capacityRefused.Load(), buyers-capacity/2, seatRefused.Load(), buyers-4)
	}
	var active, tickets, seats int
	pgtest.Row(t, env.App.Pool, `SELECT tickets_active FROM ticketing_sessions WHERE id = 'free'`).Scan(&active)
	pgtest.Row(t, env.App.Pool, `SELECT count(*), count(DISTINCT seat) FROM ticketing_tickets WHERE session_id = 'seated'`).Scan(&tickets, &seats)
	if active != capacity || tickets != 4 || seats != 4 {
		t.Errorf("free session: %d active (want %d); seated: %d tickets on %d seats (want 4 on 4)", active, capacity, tickets, seats)
	}
	var entries int
	pgtest.Row(t, env.App.Pool, `SELECT count(*) FROM ledger_entries WHERE kind = 'ticketing_sale'`).Scan(&entries)
	if app.n[ticketing.KindSale] != 2*buyers || entries != capacity/2+4 {
		t.Errorf("%d sale appends for %d requests (want one each), %d sale entries (want %d)",
			app.n[ticketing.KindSale], 2*buyers, entries, capacity/2+4)
	}

	// A replay answers the first answer byte for byte, without an append.
	var winner string
	pgtest.Row(t, env.App.Pool, `SELECT split_part(min(id), '-', 1) FROM ticketing_tickets WHERE session_id = 'free'`).Scan(&winner)
	i := winner[1:]
	req := ticketing.SaleRequest{SessionID: "free", Tickets: []ticketing.SaleTicket{
		{ID: "f" + i + "-1", Tariff: "adult", Price: "2000.00"}, {ID: "f" + i + "-2", Tariff: "adult", Price: "2000.00"}}}
	before := app.n[ticketing.KindSale]
	r1, err := svc.Sell(ctx, c, "free-"+i, req)
	if err != nil || r1.Status != 201 || app.n[ticketing.KindSale] != before {
		t.Errorf("replay: %v %v, appends %d → %d", r1, err, before, app.n[ticketing.KindSale])
	}

	// Ten concurrent refunds of the same ticket (other keys): one revokes it.
	var refunded, already atomic.Int64
	errs = make(chan error, 10)
	for k := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Refund(ctx, c, fmt.Sprintf("refund-%d", k), ticketing.RefundRequest{SessionID: "free",
				Tickets: []ticketing.RefundTicket{{ID: "f" + i + "-1", RefundedAt: now.Format(time.RFC3339)}}})
			switch {
			case err == nil:
				refunded.Add(1)
			case errors.Is(err, ticketing.ErrTicketAlreadyRefunded):
				already.Add(1)
			default:
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	pgtest.Row(t, env.App.Pool, `SELECT tickets_active FROM ticketing_sessions WHERE id = 'free'`).Scan(&active)
	if refunded.Load() != 1 || already.Load() != 9 || active != capacity-1 || app.n[ticketing.KindRefund] != 10 {
		t.Errorf("refunds: %d revoked, %d already refunded, %d active, %d appends", refunded.Load(), already.Load(), active, app.n[ticketing.KindRefund])
	}

	// Ten gates scan the other ticket online at once: exactly one admits it.
	var sale ticketing.SaleResult
	if err := json.Unmarshal(r1.Body, &sale); err != nil {
		t.Fatal(err)
	}
	var admitted, refused atomic.Int64
	errs = make(chan error, 10)
	for k := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Checkin(ctx, c, ticketing.CheckinRequest{Code: sale.Tickets[1].Code, Gate: fmt.Sprintf("g%d", k),
				ScannedAt: now.Format(time.RFC3339), Device: fmt.Sprintf("d%d", k), Nonce: "n1"})
			switch {
			case err == nil:
				admitted.Add(1)
			case errors.Is(err, ticketing.ErrAlreadyAdmitted):
				refused.Add(1)
			default:
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if admitted.Load() != 1 || refused.Load() != 9 || app.n[ticketing.KindCheckin] != 10 {
		t.Errorf("check-ins: %d admitted, %d refused, %d appends", admitted.Load(), refused.Load(), app.n[ticketing.KindCheckin])
	}

	if err := env.VerifyDeep(t, ticketing.NewDeepCheck()); err != nil {
		t.Fatalf("verify --deep: %v", err)
	}
}
