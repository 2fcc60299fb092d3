package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/registry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is a wired service with two cinemas and a few films, registered
// through registry.Service like an admin would.
type world struct {
	*apptest.Env
	pos   string // pos key of cinema c1
	pos2  string // pos key of cinema c2
	admin string
	ctx   context.Context
	seq   int
	now   time.Time
}

var binCounter int

// makeBIN returns a valid 12-digit BIN (SPEC 2 check digit).
func makeBIN(t testing.TB) string {
	t.Helper()
	for {
		binCounter++
		prefix := fmt.Sprintf("%011d", 90000000000+binCounter*7919)
		for c := '0'; c <= '9'; c++ {
			if b := prefix + string(c); registry.ValidBIN(b) {
				return b
			}
		}
	}
}

func newWorld(t testing.TB, opts ...func(*app.Config)) *world {
	t.Helper()
	env := apptest.New(t, opts...)
	w := &world{Env: env, admin: env.AdminKey, ctx: t.Context(), now: time.Now()}
	reg := env.App.Registry
	yes := true
	for _, p := range []registry.Party{
		{ID: "ex1", Kind: registry.KindExhibitor, Name: "Kinopark"},
		{ID: "prod1", Kind: registry.KindProducer, Name: "Kazakhfilm"},
		{ID: "dist1", Kind: registry.KindDistributor, Name: "Dist"},
	} {
		p.BIN = makeBIN(t)
		if _, err := reg.PutParty(w.ctx, "test", p.ID, p); err != nil {
			t.Fatalf("put party %s: %v", p.ID, err)
		}
	}
	for _, c := range []registry.Cinema{
		{ID: "c1", Name: "Kinopark 1", ExhibitorID: "ex1", Region: "KZ-75", City: "Almaty", VATPayer: &yes,
			Halls: []registry.Hall{{ID: "h1", Name: "Hall 1", Seats: 5}, {ID: "h2", Name: "Hall 2", Seats: 200}}},
		{ID: "c2", Name: "Kinopark 2", ExhibitorID: "ex1", Region: "KZ-71", City: "Astana", VATPayer: &yes,
			Halls: []registry.Hall{{ID: "h1", Name: "Hall 1", Seats: 100}}},
	} {
		if _, err := reg.PutCinema(w.ctx, "test", c.ID, c); err != nil {
			t.Fatalf("put cinema %s: %v", c.ID, err)
		}
	}
	film := func(id, rating, from, to string) registry.Film {
		return registry.Film{ID: id, Title: registry.Title{KK: id, RU: id, EN: id}, Origin: "national", Countries: []string{"KZ"},
			ReleaseDate: "2024-01-04", RuntimeMin: 120, AgeRating: rating,
			Certificate: registry.Certificate{Number: "C-" + id, ValidFrom: from, ValidTo: to},
			ProducerID:  "prod1", DistributorID: "dist1", DistributionFeePct: "15", RecoupableExpenses: "0.00", RoyaltyPct: "0",
			RentalTerms: []registry.RentalStep{{FromWeek: 1, DistributorPct: "55"}}}
	}
	for _, f := range []registry.Film{
		film("f1", "12+", "2020-01-01", "2099-12-31"),
		film("adult", "21+", "2020-01-01", "2099-12-31"),
		film("expired", "0+", "2020-01-01", "2021-12-31"),
	} {
		if _, err := reg.PutFilm(w.ctx, "test", f.ID, f); err != nil {
			t.Fatalf("put film %s: %v", f.ID, err)
		}
	}
	w.pos = env.Key(apikey.RolePOS, "c1", "")
	w.pos2 = env.Key(apikey.RolePOS, "c2", "")
	return w
}

// localAt returns the instant of local (UTC+5) time hh:mm on the day that is
// days from today.
func localAt(days, hh, mm int) time.Time {
	n := time.Now().In(kztime.Location)
	return time.Date(n.Year(), n.Month(), n.Day()+days, hh, mm, 0, 0, kztime.Location)
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

func (w *world) putScreening(t testing.TB, key, id, hall, film string, start time.Time) apptest.Response {
	t.Helper()
	return w.Do("PUT", "/v1/screenings/"+id, key, map[string]string{
		"hall_id": hall, "film_id": film, "starts_at": rfc(start), "format": "2D", "language": "kk"})
}

func (w *world) mustScreening(t testing.TB, id, hall, film string, start time.Time) {
	t.Helper()
	if r := w.putScreening(t, w.pos, id, hall, film, start); r.Status != 201 {
		t.Fatalf("put screening %s: %d %s", id, r.Status, r.Body)
	}
}

type tk map[string]string

func ticket(id string, soldAt time.Time, price, seat string) tk {
	m := tk{"id": id, "sold_at": rfc(soldAt), "price": price, "category": "adult", "channel": "box_office"}
	if seat != "" {
		m["seat"] = seat
	}
	return m
}

func (w *world) nextKey() string {
	w.seq++
	return "idem-" + strconv.Itoa(w.seq)
}

func (w *world) sell(t *testing.T, key, screening string, tickets ...tk) apptest.Response {
	t.Helper()
	return w.Do("POST", "/v1/sales", key, map[string]any{"screening_id": screening, "tickets": tickets},
		"Idempotency-Key", w.nextKey())
}

func (w *world) refund(t *testing.T, key, screening, reason string, tickets ...tk) apptest.Response {
	t.Helper()
	body := map[string]any{"screening_id": screening, "tickets": tickets}
	if reason != "" {
		body["reason"] = reason
	}
	return w.Do("POST", "/v1/refunds", key, body, "Idempotency-Key", w.nextKey())
}

// counts returns the number of ledger entries and of ticket rows.
func (w *world) counts(t *testing.T) (entries, tickets int64) {
	t.Helper()
	err := w.App.Pool.QueryRow(w.ctx, `SELECT (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM tickets)`).Scan(&entries, &tickets)
	if err != nil {
		t.Fatal(err)
	}
	return entries, tickets
}

// expectReject checks status and code and that nothing was written.
func (w *world) expectReject(t *testing.T, r apptest.Response, status int, code string, entries, tickets int64) {
	t.Helper()
	if r.Status != status || r.ErrorCode() != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
	e, n := w.counts(t)
	if e != entries || n != tickets {
		t.Fatalf("a rejected request wrote: entries %d -> %d, tickets %d -> %d", entries, e, tickets, n)
	}
}

func decode[T any](t *testing.T, r apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return v
}
