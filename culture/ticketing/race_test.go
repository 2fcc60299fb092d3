package ticketing_test

import (
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"ecinema/culture/idempotency"
	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

// raceEnv is a ticketing service whose appends can be interleaved, on a
// clock the test moves, with one venue (zone main of 100 places) and one
// event.
type raceEnv struct {
	env   *apptest.Env
	app   *apptest.HookAppender
	svc   *ticketing.Service
	clock atomic.Int64 // unix seconds
	admin ticketing.Caller
	hall  ticketing.Caller
}

func newRaceEnv(t *testing.T) *raceEnv {
	t.Helper()
	mk, _ := ticketing.GenerateMasterKey()
	sealer, _ := ticketing.NewSealer(mk)
	r := &raceEnv{env: apptest.New(t, func(c *app.Config) { c.TicketSealer = sealer }),
		admin: ticketing.Caller{KeyID: "admin"}, hall: ticketing.Caller{KeyID: "key-hall", VenueID: "hall"}}
	r.clock.Store(time.Now().Unix())
	r.app = &apptest.HookAppender{App: r.env.App.Writer}
	r.svc = ticketing.NewService(r.env.App.Pool, r.app, ticketing.Config{Sealer: sealer,
		Now: func() time.Time { return time.Unix(r.clock.Load(), 0).UTC() }})
	r.putVenue(t, "hall", 100)
	national := true
	if _, err := r.svc.PutEvent(t.Context(), r.hall, "ev", ticketing.Event{VenueID: "hall", Kind: "concert",
		Title: map[string]string{"ru": "Концерт"}, AgeRating: "0+", National: &national}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *raceEnv) now() time.Time { return time.Unix(r.clock.Load(), 0).UTC() }

func (r *raceEnv) putVenue(t *testing.T, id string, capacity int) {
	t.Helper()
	vat := true
	if _, err := r.svc.PutVenue(t.Context(), r.admin, id, ticketing.Venue{Kind: "theatre",
		Name: map[string]string{"ru": "Зал"}, OperatorBIN: "180140000107", Region: "KZ-75", City: "Almaty", VATPayer: &vat,
		Zones: []ticketing.Zone{{ID: "main", Name: map[string]string{"ru": "Основной"}, Capacity: capacity}}}); err != nil {
		t.Fatal(err)
	}
}

func (r *raceEnv) session(capacity int) ticketing.Session {
	start := r.now().Add(48 * time.Hour).Truncate(time.Minute)
	return ticketing.Session{ZoneID: "main", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(2 * time.Hour).Format(time.RFC3339),
		Capacity: capacity, Tariffs: []ticketing.Tariff{{Code: "adult", Name: map[string]string{"ru": "Взрослый"}, Price: "2000.00", Admissions: 1}}}
}

// verifyDeep publishes a checkpoint and runs verify --deep of ticketing.
func (r *raceEnv) verifyDeep(t *testing.T) error {
	t.Helper()
	return r.env.VerifyDeep(t, ticketing.NewDeepCheck())
}

// TestSessionRacesZoneChange: a venue version shrinks the zone between the
// moment a session version would have read the zone's capacity outside
// the lock and its append. The zone is read under the head lock, so the
// session is refused with capacity_exceeded and nothing of it is stored;
// verify --deep finds the log honest.
func TestSessionRacesZoneChange(t *testing.T) {
	r := newRaceEnv(t)
	ctx := t.Context()
	r.app.Arm(ticketing.KindSession, func() { r.putVenue(t, "hall", 50) })
	_, err := r.svc.PutSession(ctx, r.hall, "ev", "s1", r.session(80))
	if !errors.Is(err, ticketing.ErrCapacityExceeded) {
		t.Errorf("session of 80 places in a zone shrunk to 50: %v, want capacity_exceeded", err)
	}
	var sessions, entries int
	pgtest.Row(t, r.env.App.Pool, `SELECT count(*) FROM ticketing_sessions`).Scan(&sessions)
	pgtest.Row(t, r.env.App.Pool, `SELECT count(*) FROM ledger_entries WHERE kind = 'ticketing_session'`).Scan(&entries)
	if sessions != 0 || entries != 0 {
		t.Errorf("%d sessions and %d session entries stored, want none", sessions, entries)
	}
	if err := r.verifyDeep(t); err != nil {
		t.Errorf("verify --deep: %v", err)
	}
}

// TestEventRacesOtherVenue: another venue creates the same event id
// between the moment this venue's version would have found no event
// outside the lock and its append. The event is read under the head lock:
// the later version is refused (403, the event is the other venue's) and
// the event stays where it was made; verify --deep finds the log honest.
func TestEventRacesOtherVenue(t *testing.T) {
	r := newRaceEnv(t)
	ctx := t.Context()
	r.putVenue(t, "other", 100)
	other := ticketing.Caller{KeyID: "key-other", VenueID: "other"}
	national := true
	ev := func(venue string) ticketing.Event {
		return ticketing.Event{VenueID: venue, Kind: "concert", Title: map[string]string{"ru": "Концерт"}, AgeRating: "0+", National: &national}
	}
	r.app.Arm(ticketing.KindEvent, func() {
		if _, err := r.svc.PutEvent(ctx, other, "ev2", ev("other")); err != nil {
			t.Error(err)
		}
	})
	_, err := r.svc.PutEvent(ctx, r.hall, "ev2", ev("hall"))
	if !errors.Is(err, ticketing.ErrOtherVenue) {
		t.Errorf("event made meanwhile by another venue: %v, want %v", err, ticketing.ErrOtherVenue)
	}
	var venue string
	var versions int
	pgtest.Row(t, r.env.App.Pool, `SELECT venue_id FROM ticketing_events WHERE id = 'ev2'`).Scan(&venue)
	pgtest.Row(t, r.env.App.Pool, `SELECT count(*) FROM ticketing_versions WHERE kind = 'event' AND id = 'ev2'`).Scan(&versions)
	if venue != "other" || versions != 1 {
		t.Errorf("event ev2 is venue %q's with %d versions, want other's with 1", venue, versions)
	}
	if err := r.verifyDeep(t); err != nil {
		t.Errorf("verify --deep: %v", err)
	}
}

// TestSaleRacesKeyRotation: a rotation lands between the moment a sale
// takes its time (the codes' not-before) and its append. The sale signs
// under the head lock with the venue's current key, the new one, and its
// codes must be valid at the gate: their not-before is not before the new
// key's valid_from (a code signed by a key not yet in force at its
// not-before is invalid_code everywhere). verify --deep finds the log
// honest.
func TestSaleRacesKeyRotation(t *testing.T) {
	r := newRaceEnv(t)
	ctx := t.Context()
	if _, err := r.svc.PutSession(ctx, r.hall, "ev", "s1", r.session(10)); err != nil {
		t.Fatal(err)
	}
	var rotated ticketing.PublicKey
	r.app.Arm(ticketing.KindSale, func() {
		r.clock.Add(2)
		var err error
		if rotated, err = r.svc.RotateKey(ctx, r.admin, "hall", idempotency.Key{}); err != nil {
			t.Error(err)
		}
	})
	soldAt := r.now()
	resp, err := r.svc.Sell(ctx, r.hall, "k1", ticketing.SaleRequest{SessionID: "s1",
		Tickets: []ticketing.SaleTicket{{ID: "t1", Tariff: "adult", Price: "2000.00"}}})
	if err != nil {
		t.Fatal(err)
	}
	var sale ticketing.SaleResult
	if err := json.Unmarshal(resp.Body, &sale); err != nil {
		t.Fatal(err)
	}
	var kid string
	pgtest.Row(t, r.env.App.Pool, `SELECT kid FROM ticketing_tickets WHERE id = 't1'`).Scan(&kid)
	if kid != rotated.KID {
		t.Errorf("the sale after the rotation is signed with %s, want the new key %s", kid, rotated.KID)
	}
	r.clock.Add(1)
	res, err := r.svc.Checkin(ctx, r.hall, ticketing.CheckinRequest{Code: sale.Tickets[0].Code, Gate: "g1",
		ScannedAt: r.now().Format(time.RFC3339), Device: "d1", Nonce: "n1"})
	if err != nil || res.Result != "admitted" {
		t.Errorf("the code sold at %s, signed by the key valid from %s: %+v %v, want admitted",
			soldAt.Format(time.RFC3339), rotated.ValidFrom.Format(time.RFC3339), res, err)
	}
	if err := r.verifyDeep(t); err != nil {
		t.Errorf("verify --deep: %v", err)
	}
}
