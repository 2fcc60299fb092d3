package api_test

import (
	"strings"
	"testing"
	"time"

	"ecinema/culture/ticketing"
)

// TestTicketStats: sold net of refunds, gross, VAT, admitted, occupancy
// and national gross by venue, kind and day; CSV; the public view without
// a key shows no money.
func TestTicketStats(t *testing.T) {
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("a1", "adult", "3000.00", "A1"), tk("a2", "adult", "3000.00", "A2"), tk("a3", "free", "0.00", ""))
	w.sell(t, "s2", 201, "", tk("b1", "pass", "9000.00", ""))
	w.must("POST", "/v1/tickets/refunds", w.venueKey, map[string]any{"session_id": "s1",
		"tickets": []map[string]string{{"id": "a2", "refunded_at": time.Now().Format(time.RFC3339)}}}, 201, "Idempotency-Key", "st-r")
	if st, _, body := w.checkin(sold[0].Code, "g", "d", "st-1", time.Now()); st != 200 {
		t.Fatalf("check-in: %d %s", st, body)
	}
	day := ticketingDay(w.start)
	day2 := ticketingDay(w.start.Add(24 * time.Hour))
	q := "/v1/tickets/stats?from=" + day + "&to=" + day2
	var st ticketing.Stats
	w.must("GET", q+"&group_by=venue", w.env.AdminKey, nil, 200).JSON(t, &st)
	// s1: 300 places, s2: 3; sold 2 + 1 = 3 → 3/303.
	want := ticketing.StatsRow{Key: "abai", Sold: 3, Refunded: 1, Gross: "12000.00", VAT: "1655.17", Admitted: 1, OccupancyPct: "0.99", NationalGross: "12000.00"}
	if len(st.Items) != 1 || st.Items[0] != want {
		t.Fatalf("by venue = %+v, want %+v", st.Items, want)
	}
	want.Key = "total"
	if st.Totals != want {
		t.Fatalf("totals = %+v", st.Totals)
	}
	w.must("GET", q+"&group_by=day", w.venueKey, nil, 200).JSON(t, &st)
	if len(st.Items) != 2 || st.Items[0].Key != day || st.Items[0].Gross != "3000.00" || st.Items[1].Gross != "9000.00" || st.Items[1].OccupancyPct != "33.33" {
		t.Fatalf("by day = %+v", st.Items)
	}
	r := w.must("GET", q+"&group_by=kind&format=csv", w.env.AdminKey, nil, 200)
	if got := string(r.Body); !strings.HasPrefix(got, "key,sold,refunded,gross,vat,admitted,occupancy_pct,national_gross\nperformance,3,1,12000.00,1655.17,1,0.99,12000.00\ntotal,") {
		t.Fatalf("csv = %q", got)
	}
	// Public: no key, no money.
	r = w.must("GET", q, "", nil, 200)
	if strings.Contains(string(r.Body), "gross") || !strings.Contains(string(r.Body), `"key":"performance/KZ-75/`) {
		t.Fatalf("public = %s", r.Body)
	}
	if r := w.env.Do("GET", q, w.env.Key("tax", "", ""), nil); r.Status != 403 {
		t.Fatalf("tax key: %d %s", r.Status, r.Body)
	}
	w.must("GET", q, w.env.Key("analyst", "", ""), nil, 200)
	if r := w.env.Do("GET", q, "wrong", nil); r.Status != 401 {
		t.Fatalf("bad key: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do("GET", "/v1/tickets/stats?from=2026-01-01", "", nil); r.Status != 400 || r.ErrorCode() != "invalid_query" {
		t.Fatalf("no to: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do("GET", q+"&group_by=colour", w.env.AdminKey, nil); r.Status != 400 || r.ErrorCode() != "invalid_query" {
		t.Fatalf("bad group: %d %s", r.Status, r.Body)
	}
}

func ticketingDay(t time.Time) string {
	l := t.In(time.FixedZone("KZ", 5*3600))
	if l.Hour() < 6 {
		l = l.Add(-24 * time.Hour)
	}
	return l.Format(time.DateOnly)
}
