package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ecinema/culture/ticketing"
	"ecinema/internal/pgtest"
)

// TestTicketOfflineBatchBadClock: CULTURE.md gives each scan of an
// offline batch its own result, so one scan dated in the future (a device
// whose clock ran ahead) does not lose the rest: it is recorded with the
// result in_future and admits nobody; the other scans are decided and
// recorded as always (a scan within the 5-minute skew is admitted); the
// ticket it named is still admitted by a later good scan; a replay
// answers the same results with no new entry; verify --deep agrees.
func TestTicketOfflineBatchBadClock(t *testing.T) {
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("c1", "adult", "3000.00", ""), tk("c2", "adult", "3000.00", ""), tk("c3", "adult", "3000.00", ""))
	now := time.Now()
	scans := []map[string]string{
		scan(sold[0].Code, "north", "k-1", now),
		scan(sold[1].Code, "north", "k-2", now.Add(time.Hour)),     // the clock ran an hour ahead
		scan("KZT1:NOTACODE", "north", "k-3", now.Add(time.Hour)),  // unreadable whatever its time
		scan(sold[2].Code, "north", "k-4", now.Add(4*time.Minute)), // within the skew
	}
	entries := w.entriesOfKind(t, ticketing.KindGateBatch)
	got := w.batch(t, "dev-clock", scans...)
	want := "[{k-1 admitted c1} {k-2 in_future c2} {k-3 invalid_code } {k-4 admitted c3}]"
	if fmt.Sprint(got) != want {
		t.Fatalf("results %v, want %s", got, want)
	}
	if n := w.entriesOfKind(t, ticketing.KindGateBatch); n != entries+1 {
		t.Fatalf("%d gate batch entries, want %d", n, entries+1)
	}
	var recorded string
	pgtest.Row(t, w.env.App.Pool, `SELECT string_agg(nonce || ' ' || result || ' ' || ticket_id, ', ' ORDER BY nonce)
FROM ticketing_scans WHERE device = 'dev-clock'`).Scan(&recorded)
	if recorded != "k-1 admitted c1, k-2 in_future c2, k-3 invalid_code , k-4 admitted c3" {
		t.Fatalf("scans recorded: %s", recorded)
	}
	var admitted string
	pgtest.Row(t, w.env.App.Pool, `SELECT string_agg(id || '=' || admitted, ' ' ORDER BY id) FROM ticketing_tickets`).Scan(&admitted)
	if admitted != "c1=1 c2=0 c3=1" {
		t.Fatalf("admissions %s, want c1=1 c2=0 c3=1", admitted)
	}
	if again := w.batch(t, "dev-clock", scans...); fmt.Sprint(again) != want || w.entriesOfKind(t, ticketing.KindGateBatch) != entries+1 {
		t.Fatalf("replay: %v", again)
	}
	// The device sends k-2 again online, its clock now right: the first result.
	if st, res, body := w.checkin(sold[1].Code, "north", "dev-clock", "k-2", time.Now()); st != 422 || res != "in_future" {
		t.Fatalf("k-2 online: %d %s %s", st, res, body)
	}
	// The holder of c2 is let in at another gate with a good clock.
	if st, res, body := w.checkin(sold[1].Code, "main", "dev-good", "g-1", time.Now()); st != 200 || res != "admitted" {
		t.Fatalf("c2 online after its future scan: %d %s %s", st, res, body)
	}
	m := string(w.must("GET", "/metrics", "", nil, 200).Body)
	if want := `ecinema_ticketing_checkins_total{mode="offline",result="in_future"} 1`; !strings.Contains(m, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	w.deepVerify(t, "UPDATE ticketing_tickets SET admitted = 0 WHERE id = 'c2'", "ticketing_tickets")
}
