package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/ticketing"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// ticketWorld is a venue with one event and session, and a venue key.
type ticketWorld struct {
	env      *apptest.Env
	venueKey string
	start    time.Time
}

func venueDoc(kind string) map[string]any {
	return map[string]any{"kind": kind, "name": map[string]string{"kk": "Абай театры", "ru": "Театр Абая"},
		"operator_bin": "180140000107", "region": "KZ-75", "city": "Almaty", "vat_payer": true,
		"zones": []map[string]any{
			{"id": "stalls", "name": map[string]string{"ru": "Партер"}, "capacity": 300},
			{"id": "balcony", "name": map[string]string{"ru": "Балкон"}, "capacity": 3},
		}}
}

func sessionDoc(start time.Time, zone string, capacity int) map[string]any {
	return map[string]any{"zone_id": zone, "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"capacity": capacity, "tariffs": []map[string]any{
			{"code": "adult", "name": map[string]string{"ru": "Взрослый"}, "price": "3000.00", "admissions": 1},
			{"code": "free", "name": map[string]string{"ru": "Бесплатный"}, "price": "0.00", "admissions": 1},
			{"code": "pass", "name": map[string]string{"ru": "Абонемент"}, "price": "9000.00", "admissions": 3},
		}}
}

func newTicketWorld(t *testing.T) *ticketWorld {
	t.Helper()
	env := apptest.New(t)
	w := &ticketWorld{env: env, start: time.Now().Add(48 * time.Hour).Truncate(time.Minute)}
	w.must("PUT", "/v1/venues/abai", env.AdminKey, venueDoc("theatre"), 200)
	w.must("PUT", "/v1/venues/other", env.AdminKey, venueDoc("concert_hall"), 200)
	_, secret, err := env.App.Keys.Create(t.Context(), apikey.Spec{Name: "box office", Role: apikey.RoleVenue, Scope: "abai"})
	if err != nil {
		t.Fatal(err)
	}
	w.venueKey = secret
	w.must("PUT", "/v1/events/abai-kyz", w.venueKey, map[string]any{"venue_id": "abai", "kind": "performance",
		"title": map[string]string{"kk": "Қыз Жібек", "ru": "Кыз Жибек"}, "age_rating": "6+", "national": true}, 200)
	w.must("PUT", "/v1/events/abai-kyz/sessions/s1", w.venueKey, sessionDoc(w.start, "stalls", 300), 200)
	w.must("PUT", "/v1/events/abai-kyz/sessions/s2", w.venueKey, sessionDoc(w.start.Add(24*time.Hour), "balcony", 3), 200)
	return w
}

func (w *ticketWorld) must(method, path, key string, body any, status int, headers ...string) apptest.Response {
	w.env.T.Helper()
	r := w.env.Do(method, path, key, body, headers...)
	if r.Status != status {
		w.env.T.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, status)
	}
	return r
}

func TestTicketingVenuesEventsSessions(t *testing.T) {
	w := newTicketWorld(t)
	env := w.env

	var v struct {
		ID      string
		Version int
		Zones   []struct{ ID string }
	}
	w.must("GET", "/v1/venues/abai", w.venueKey, nil, 200).JSON(t, &v)
	if v.ID != "abai" || v.Version != 1 || len(v.Zones) != 2 {
		t.Fatalf("venue = %+v", v)
	}
	// The same document again writes no new version; a change does.
	r := w.must("PUT", "/v1/venues/abai", env.AdminKey, venueDoc("theatre"), 200)
	r.JSON(t, &v)
	if v.Version != 1 {
		t.Fatalf("unchanged PUT made version %d", v.Version)
	}
	doc := venueDoc("theatre")
	doc["city"] = "Алматы"
	w.must("PUT", "/v1/venues/abai", env.AdminKey, doc, 200).JSON(t, &v)
	if v.Version != 2 {
		t.Fatalf("changed PUT made version %d", v.Version)
	}
	var named struct {
		DisplayName string `json:"display_name"`
	}
	w.must("GET", "/v1/venues/abai?lang=ru", w.venueKey, nil, 200).JSON(t, &named)
	if named.DisplayName != "Театр Абая" {
		t.Fatalf("display_name in ru = %q", named.DisplayName)
	}
	w.must("GET", "/v1/venues/abai", w.venueKey, nil, 200, "Accept-Language", "en, ru;q=0.5").JSON(t, &named)
	if named.DisplayName != "Абай театры" { // no en text: kk first
		t.Fatalf("display_name fallback = %q", named.DisplayName)
	}
	var vs struct{ Items []struct{ Version int } }
	w.must("GET", "/v1/venues/abai/versions", w.venueKey, nil, 200).JSON(t, &vs)
	if len(vs.Items) != 2 {
		t.Fatalf("versions = %+v", vs)
	}

	// Venue writes are admin only; a venue key acts for its own venue only.
	if r := env.Do("PUT", "/v1/venues/x", w.venueKey, venueDoc("theatre")); r.Status != 403 || r.ErrorCode() != "forbidden" {
		t.Fatalf("venue key PUT venue: %d %s", r.Status, r.Body)
	}
	other := map[string]any{"venue_id": "other", "kind": "concert", "title": map[string]string{"ru": "Концерт"}, "age_rating": "0+", "national": false}
	if r := env.Do("PUT", "/v1/events/o1", w.venueKey, other); r.Status != 403 || r.ErrorCode() != "forbidden" {
		t.Fatalf("event of another venue: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/events/o1", env.AdminKey, other); r.Status != 200 {
		t.Fatalf("admin event: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/events/o1/sessions/o1s", w.venueKey, sessionDoc(w.start, "stalls", 10)); r.Status != 403 {
		t.Fatalf("session of another venue's event: %d %s", r.Status, r.Body)
	}

	// Validation and references.
	bad := venueDoc("bank")
	bad["region"] = "KZ-99"
	if r := env.Do("PUT", "/v1/venues/b", env.AdminKey, bad); r.Status != 400 || r.ErrorCode() != "invalid_request" {
		t.Fatalf("bad kind: %d %s", r.Status, r.Body)
	}
	bad = venueDoc("theatre")
	bad["region"] = "KZ-99"
	if r := env.Do("PUT", "/v1/venues/b", env.AdminKey, bad); r.Status != 422 || r.ErrorCode() != "unknown_reference" {
		t.Fatalf("unknown region: %d %s", r.Status, r.Body)
	}
	bad = venueDoc("theatre")
	bad["name"] = map[string]string{"en": "Only English"}
	if r := env.Do("PUT", "/v1/venues/b", env.AdminKey, bad); r.Status != 400 {
		t.Fatalf("name without kk/ru: %d %s", r.Status, r.Body)
	}
	bad = venueDoc("theatre")
	bad["colour"] = "red"
	if r := env.Do("PUT", "/v1/venues/b", env.AdminKey, bad); r.Status != 400 || r.ErrorCode() != "invalid_request" {
		t.Fatalf("unknown field: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/events/abai-kyz/sessions/big", w.venueKey, sessionDoc(w.start, "balcony", 4)); r.Status != 422 || r.ErrorCode() != "capacity_exceeded" {
		t.Fatalf("session over the zone: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/events/abai-kyz/sessions/z", w.venueKey, sessionDoc(w.start, "nozone", 4)); r.Status != 422 || r.ErrorCode() != "unknown_reference" {
		t.Fatalf("unknown zone: %d %s", r.Status, r.Body)
	}

	var s struct {
		ID           string
		VenueID      string `json:"venue_id"`
		BoxOfficeDay string `json:"box_office_day"`
		Tariffs      []struct{ Code, Price string }
	}
	w.must("GET", "/v1/events/abai-kyz/sessions/s1", "", nil, 401)
	w.must("GET", "/v1/events/abai-kyz/sessions/s1", env.AdminKey, nil, 200).JSON(t, &s)
	if len(s.Tariffs) != 3 || s.Tariffs[0].Code != "adult" || s.Tariffs[0].Price != "3000.00" {
		t.Fatalf("session = %+v", s)
	}
	var list struct{ Items []json.RawMessage }
	w.must("GET", "/v1/events/abai-kyz/sessions", env.AdminKey, nil, 200).JSON(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("sessions = %d", len(list.Items))
	}

	// The trust list is public: one key per venue.
	var keys struct {
		Keys []struct {
			KID       string `json:"kid"`
			VenueID   string `json:"venue_id"`
			Alg       string `json:"alg"`
			PublicKey string `json:"public_key"`
			ValidTo   *string
		}
	}
	w.must("GET", "/v1/tickets/keys", "", nil, 200).JSON(t, &keys)
	if len(keys.Keys) != 2 || keys.Keys[0].VenueID != "abai" || keys.Keys[0].Alg != "EdDSA" || len(keys.Keys[0].KID) != 16 {
		t.Fatalf("keys = %+v", keys)
	}
	// A venue key must name a venue that exists.
	if _, _, err := env.App.Keys.Create(t.Context(), apikey.Spec{Name: "x", Role: apikey.RoleVenue, Scope: "nowhere"}); err == nil {
		t.Fatal("venue key for an unknown venue was created")
	}
	w.deepVerify(t, "UPDATE ticketing_tariffs SET price = 2999 WHERE session_id = 's1' AND code = 'adult'", "ticketing_tariffs")
}

// deepVerify runs verify --deep's ticketing rebuild: it must pass, then
// fail naming table after tamper (run as the owner), then pass once the
// tamper is rolled back.
func (w *ticketWorld) deepVerify(t *testing.T, tamper, table string) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(w.env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	owner := pgtest.OwnerPool(t, w.env.DBURL)
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
			Deep: []ledger.DeepCheck{ticketing.NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("verify --deep: %v", err)
	}
	if tamper == "" {
		return
	}
	tx, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, tamper); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = verify()
	var ve *ledger.VerifyError
	if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.Contains(ve.Detail, table) {
		t.Fatalf("after %q: verify = %v, want a mismatch in %s", tamper, err, table)
	}
}
