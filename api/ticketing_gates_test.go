package api_test

import (
	"context"
	"ecinema/internal/pgtest"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/idempotency"
	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/ledger"
)

func (w *ticketWorld) entriesOfKind(t *testing.T, kind string) int {
	t.Helper()
	var n int
	if err := w.env.App.Pool.QueryRow(context.Background(), "SELECT count(*) FROM ledger_entries WHERE kind = $1", kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTicketCheckinExactlyOnce: 100 concurrent check-ins of one ticket
// (each its own device and nonce) admit it exactly once; the other 99 are
// 409 already_admitted with when and at which gate; one check-in entry.
func TestTicketCheckinExactlyOnce(t *testing.T) {
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("e1", "adult", "3000.00", "A1"))
	at := time.Now()
	const n = 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]int{}
	var sample []byte
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, res, body := w.checkin(sold[0].Code, fmt.Sprintf("gate-%d", i%4), fmt.Sprintf("dev-%d", i), "n1", at)
			mu.Lock()
			defer mu.Unlock()
			results[fmt.Sprintf("%d %s", st, res)]++
			if res == "already_admitted" && sample == nil {
				sample = body
			}
		}()
	}
	wg.Wait()
	if results["200 admitted"] != 1 || results["409 already_admitted"] != n-1 || len(results) != 2 {
		t.Fatalf("results = %v", results)
	}
	t.Logf("%d concurrent check-ins: %v", n, results)
	for _, want := range []string{`"result":"already_admitted"`, `"ticket_id":"e1"`, `"admitted_at":`, `"gate":"gate-`} {
		if !strings.Contains(string(sample), want) {
			t.Fatalf("refusal %s lacks %s", sample, want)
		}
	}
	if got := w.entriesOfKind(t, ticketing.KindCheckin); got != 1 {
		t.Fatalf("%d check-in entries, want 1", got)
	}
	// The admitting device's retry (same device and nonce) answers admitted again, with no new entry.
	var admitter string
	pgtest.Row(t, w.env.App.Pool, "SELECT device FROM ticketing_scans WHERE ticket_id = 'e1'").Scan(&admitter)
	if st, res, _ := w.checkin(sold[0].Code, "gate-x", admitter, "n1", at); st != 200 || res != "admitted" {
		t.Fatalf("nonce replay: %d %s", st, res)
	}
	if got := w.entriesOfKind(t, ticketing.KindCheckin); got != 1 {
		t.Fatalf("%d check-in entries after the replay, want 1", got)
	}
	m := string(w.must("GET", "/metrics", "", nil, 200).Body)
	for _, want := range []string{`ecinema_ticketing_checkins_total{mode="online",result="admitted"} 1`,
		`ecinema_ticketing_checkins_total{mode="online",result="already_admitted"} 99`, `ecinema_ticketing_tickets_sold_total 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func (w *ticketWorld) batch(t *testing.T, device string, scans ...map[string]string) []ticketing.ScanResult {
	t.Helper()
	var out ticketing.BatchResult
	w.must("POST", "/v1/tickets/checkins/batch", w.venueKey, map[string]any{"device": device, "scans": scans}, 200).JSON(t, &out)
	return out.Results
}

func scan(code, gate, nonce string, at time.Time) map[string]string {
	return map[string]string{"code": code, "gate": gate, "nonce": nonce, "scanned_at": at.Format(time.RFC3339)}
}

// TestTicketOfflineBatch: a batch replayed twice records nothing new; two
// devices that both admitted a ticket offline give one admission and one
// duplicate_offline (recorded); a pass admits its number of times.
func TestTicketOfflineBatch(t *testing.T) {
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("o1", "adult", "3000.00", ""), tk("o2", "adult", "3000.00", ""), tk("o3", "pass", "9000.00", ""))
	at := time.Now()
	scansA := []map[string]string{scan(sold[0].Code, "north", "a-1", at), scan(sold[1].Code, "north", "a-2", at),
		scan("KZT1:NOTACODE", "north", "a-3", at), scan(sold[2].Code, "north", "a-4", at), scan(sold[2].Code, "north", "a-5", at)}
	first := w.batch(t, "dev-a", scansA...)
	want := []string{"admitted", "admitted", "invalid_code", "admitted", "admitted"}
	for i, r := range first {
		if r.Result != want[i] || r.Nonce != scansA[i]["nonce"] {
			t.Fatalf("batch A results = %+v", first)
		}
	}
	entries := w.entriesOfKind(t, ticketing.KindGateBatch)
	again := w.batch(t, "dev-a", scansA...)
	if fmt.Sprint(again) != fmt.Sprint(first) || w.entriesOfKind(t, ticketing.KindGateBatch) != entries {
		t.Fatalf("replayed batch: %+v (entries %d → %d)", again, entries, w.entriesOfKind(t, ticketing.KindGateBatch))
	}
	// Device B admitted o1 offline too, and o3 a third and fourth time.
	b := w.batch(t, "dev-b", scan(sold[0].Code, "south", "b-1", at.Add(time.Second)),
		scan(sold[2].Code, "south", "b-2", at), scan(sold[2].Code, "south", "b-3", at))
	if b[0].Result != "duplicate_offline" || b[0].TicketID != "o1" || b[1].Result != "admitted" || b[2].Result != "duplicate_offline" {
		t.Fatalf("batch B = %+v", b)
	}
	var admitted, scans int
	pgtest.Row(t, w.env.App.Pool, "SELECT admitted FROM ticketing_tickets WHERE id = 'o1'").Scan(&admitted)
	pgtest.Row(t, w.env.App.Pool, "SELECT count(*) FROM ticketing_scans WHERE ticket_id = 'o1'").Scan(&scans)
	if admitted != 1 || scans != 2 {
		t.Fatalf("o1: admitted %d, scans recorded %d; want 1 and 2", admitted, scans)
	}
	if st, res, _ := w.checkin(sold[0].Code, "main", "dev-c", "c-1", at); st != 409 || res != "already_admitted" {
		t.Fatalf("online after offline: %d %s", st, res)
	}
	w.deepVerify(t, "UPDATE ticketing_tickets SET admitted = 0 WHERE id = 'o1'", "ticketing_tickets")
}

// TestTicketRefundsAndTampering: refunds revoke (410 revoked online, the
// revocation feed with its cursor); every tampering is refused with its
// code: one changed byte, another venue's code, before not-before, expired,
// and a code signed by a rotated-out key after its validity.
func TestTicketRefundsAndTampering(t *testing.T) {
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("r1", "adult", "3000.00", "A1"), tk("r2", "adult", "3000.00", "A2"))
	idem := func(k string) []string { return []string{"Idempotency-Key", k} }
	refund := map[string]any{"session_id": "s1", "tickets": []map[string]string{{"id": "r1", "refunded_at": time.Now().Format(time.RFC3339)}}}
	w.must("POST", "/v1/tickets/refunds", w.venueKey, refund, 201, idem("rf1")...)
	if r := w.env.Do("POST", "/v1/tickets/refunds", w.venueKey, refund, idem("rf2")...); r.Status != 409 || r.ErrorCode() != "ticket_already_refunded" {
		t.Fatalf("second refund: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do("POST", "/v1/tickets/refunds", w.venueKey, map[string]any{"session_id": "s1",
		"tickets": []map[string]string{{"id": "zz", "refunded_at": time.Now().Format(time.RFC3339)}}}, idem("rf3")...); r.Status != 409 || r.ErrorCode() != "ticket_not_sold" {
		t.Fatalf("unsold refund: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do("POST", "/v1/tickets/refunds", w.venueKey, map[string]any{"session_id": "s1",
		"tickets": []map[string]string{{"id": "r2", "refunded_at": w.start.Add(time.Minute).Format(time.RFC3339)}}}, idem("rf4")...); r.Status != 422 {
		t.Fatalf("refund dated after the start (and in the future): %d %s", r.Status, r.Body)
	}
	if st, res, _ := w.checkin(sold[0].Code, "g", "d", "n-r1", time.Now()); st != 410 || res != "revoked" {
		t.Fatalf("refunded ticket at the gate: %d %s", st, res)
	}
	var feed struct {
		Items []struct {
			TicketID  string `json:"ticket_id"`
			RevokedAt string `json:"revoked_at"`
		}
		Next string
	}
	w.must("GET", "/v1/tickets/revocations", w.venueKey, nil, 200).JSON(t, &feed)
	if len(feed.Items) != 1 || feed.Items[0].TicketID != "r1" || feed.Next == "" {
		t.Fatalf("feed = %+v", feed)
	}
	cursor := feed.Next
	w.must("GET", "/v1/tickets/revocations?since="+cursor, w.venueKey, nil, 200).JSON(t, &feed)
	if len(feed.Items) != 0 || feed.Next != cursor {
		t.Fatalf("feed after cursor = %+v", feed)
	}

	// Tampering: one changed byte in the Base45 text.
	code := sold[1].Code
	i := len(code) / 2
	c := byte('0')
	if code[i] == '0' {
		c = '1'
	}
	bad := code[:i] + string(c) + code[i+1:]
	if st, res, _ := w.checkin(bad, "g", "d", "n-bad", time.Now()); st != 422 || res != "invalid_code" {
		t.Fatalf("changed byte: %d %s", st, res)
	}
	// Before its not-before.
	if st, res, _ := w.checkin(code, "g", "d", "n-early", time.Now().Add(-time.Hour)); st != 422 || res != "not_yet_valid" {
		t.Fatalf("before not-before: %d %s", st, res)
	}
	// Another venue's code at this venue.
	_, otherKey, err := w.env.App.Keys.Create(t.Context(), apikey.Spec{Name: "other", Role: apikey.RoleVenue, Scope: "other"})
	if err != nil {
		t.Fatal(err)
	}
	r := w.env.Do("POST", "/v1/tickets/checkins", otherKey, map[string]string{"code": code, "gate": "g",
		"scanned_at": time.Now().Format(time.RFC3339), "device": "d", "nonce": "n-other"})
	if r.Status != 422 || r.ErrorCode() != "wrong_venue" {
		t.Fatalf("other venue: %d %s", r.Status, r.Body)
	}
	w.deepVerify(t, "UPDATE ticketing_tickets SET price = 1 WHERE id = 'r2'", "ticketing_tickets")
}

// TestTicketExpiryAndRotation runs the service on a moved clock: a code
// scanned more than an hour after its session's end is expired; after a
// key rotation old codes still admit, and a code the old key signs with a
// not-before after its validity is invalid_code.
func TestTicketExpiryAndRotation(t *testing.T) {
	mk, _ := ticketing.GenerateMasterKey()
	sealer, _ := ticketing.NewSealer(mk)
	env := apptest.New(t, func(c *app.Config) { c.TicketSealer = sealer })
	w := &ticketWorld{env: env, start: time.Now().Add(-30 * 24 * time.Hour).Truncate(time.Minute)}
	now := w.start.Add(-24 * time.Hour)
	svc := ticketing.NewService(env.App.Pool, env.App.Writer, ticketing.Config{Sealer: sealer, Now: func() time.Time { return now }})
	ctx := t.Context()
	c := ticketing.Caller{KeyID: "test", VenueID: "abai"}
	yes := true
	if _, err := svc.PutVenue(ctx, ticketing.Caller{KeyID: "admin"}, "abai", ticketing.Venue{Kind: "theatre", Name: map[string]string{"kk": "Абай"},
		OperatorBIN: "180140000107", Region: "KZ-75", City: "Almaty", VATPayer: &yes,
		Zones: []ticketing.Zone{{ID: "stalls", Name: map[string]string{"ru": "Партер"}, Capacity: 100}}}); err != nil {
		t.Fatal(err)
	}
	now = w.start.Add(-time.Hour)
	if _, err := svc.PutEvent(ctx, c, "ev", ticketing.Event{VenueID: "abai", Kind: "concert", Title: map[string]string{"ru": "Концерт"}, AgeRating: "0+", National: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutSession(ctx, c, "ev", "past", ticketing.Session{ZoneID: "stalls", StartsAt: w.start.Format(time.RFC3339),
		EndsAt: w.start.Add(2 * time.Hour).Format(time.RFC3339), Capacity: 10, Tariffs: []ticketing.Tariff{{Code: "adult", Name: map[string]string{"ru": "В"}, Price: "100.00", Admissions: 1}}}); err != nil {
		t.Fatal(err)
	}
	sell := func(id string) string {
		resp, err := svc.Sell(ctx, c, "k-"+id, ticketing.SaleRequest{SessionID: "past", Tickets: []ticketing.SaleTicket{{ID: id, Tariff: "adult", Price: "100.00"}}})
		if err != nil {
			t.Fatal(err)
		}
		code := string(resp.Body)
		code = code[strings.Index(code, "KZT1:"):]
		return code[:strings.IndexByte(code, '"')]
	}
	oldCode := sell("x1")
	now = w.start.Add(2*time.Hour + 61*time.Minute)
	_, err := svc.Checkin(ctx, c, ticketing.CheckinRequest{Code: oldCode, Gate: "g", ScannedAt: now.Format(time.RFC3339), Device: "d", Nonce: "1"})
	if !ticketing.IsRefusal(err, ticketing.ResultExpired) {
		t.Fatalf("scanned 61 minutes after the end: %v", err)
	}
	// Rotate at 2 hours before the start: old codes stay valid.
	now = w.start.Add(-50 * time.Minute)
	oldCode2 := sell("x2")
	now = w.start.Add(-40 * time.Minute)
	if _, err := svc.RotateKey(ctx, c, "abai", idempotency.Key{}); err != nil {
		t.Fatal(err)
	}
	now = w.start.Add(-30 * time.Minute)
	newCode := sell("x3")
	for _, code := range []string{oldCode2, newCode} {
		if res, err := svc.Checkin(ctx, c, ticketing.CheckinRequest{Code: code, Gate: "g", ScannedAt: now.Format(time.RFC3339), Device: "d", Nonce: code[len(code)-8:]}); err != nil || res.Result != "admitted" {
			t.Fatalf("after rotation: %v %v", res, err)
		}
	}
	// A code the retired key signs after its valid_to.
	var kid string
	var sealed []byte
	if err := env.App.Pool.QueryRow(ctx, `SELECT k.kid, s.sealed FROM ticketing_keys k JOIN ticketing_key_secrets s USING (kid)
WHERE k.venue_id = 'abai' AND k.valid_to IS NOT NULL`).Scan(&kid, &sealed); err != nil {
		t.Fatal(err)
	}
	oldPriv, err := sealer.Open(kid, sealed)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := ticketing.Sign(ticketing.Claims{Version: 1, TicketID: "x1", VenueID: "abai", SessionID: "past",
		NotBefore: now.Unix(), Expires: w.start.Add(2 * time.Hour).Unix(), Tariff: "adult", Admissions: 1}, oldPriv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Checkin(ctx, c, ticketing.CheckinRequest{Code: forged, Gate: "g", ScannedAt: now.Format(time.RFC3339), Device: "d", Nonce: "forged"})
	if !ticketing.IsRefusal(err, ticketing.ResultInvalidCode) {
		t.Fatalf("rotated-out key after its validity: %v", err)
	}
	var keys struct {
		Keys []struct {
			KID     string  `json:"kid"`
			ValidTo *string `json:"valid_to"`
		}
	}
	w.must("GET", "/v1/tickets/keys?venue=abai", "", nil, 200).JSON(t, &keys)
	if len(keys.Keys) != 2 || keys.Keys[0].KID != kid || keys.Keys[0].ValidTo == nil || keys.Keys[1].ValidTo != nil {
		t.Fatalf("trust list after rotation: %+v", keys)
	}
	_ = ledger.DefaultLogID
}
