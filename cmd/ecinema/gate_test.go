package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// TestGateOfflineThenUpload: the gate tool checks codes with only the
// downloaded trust list and revocations (the server is closed while it
// scans), answers admitted, already_admitted, revoked and invalid_code,
// queues every scan, and `gate upload` records the admissions: the ticket
// admitted online meanwhile comes back duplicate_offline.
func TestGateOfflineThenUpload(t *testing.T) {
	env := apptest.New(t)
	put := func(path string, body any) {
		if r := env.Do("PUT", path, env.AdminKey, body); r.Status != 200 {
			t.Fatalf("PUT %s: %d %s", path, r.Status, r.Body)
		}
	}
	put("/v1/venues/hall", map[string]any{"kind": "concert_hall", "name": map[string]string{"kk": "Зал"}, "operator_bin": "180140000107",
		"region": "KZ-75", "city": "Almaty", "vat_payer": false, "zones": []map[string]any{{"id": "z", "name": map[string]string{"kk": "Зал"}, "capacity": 50}}})
	put("/v1/events/ev", map[string]any{"venue_id": "hall", "kind": "concert", "title": map[string]string{"kk": "Концерт"}, "age_rating": "0+", "national": true})
	start := time.Now().Add(time.Hour)
	put("/v1/events/ev/sessions/s", map[string]any{"zone_id": "z", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"capacity": 50, "tariffs": []map[string]any{{"code": "a", "name": map[string]string{"kk": "A"}, "price": "100.00", "admissions": 1}}})
	_, key, err := env.App.Keys.Create(t.Context(), apikey.Spec{Name: "gate", Role: apikey.RoleVenue, Scope: "hall"})
	if err != nil {
		t.Fatal(err)
	}
	r := env.Do("POST", "/v1/tickets/sales", key, map[string]any{"session_id": "s", "tickets": []map[string]string{
		{"id": "g1", "tariff": "a", "price": "100.00"}, {"id": "g2", "tariff": "a", "price": "100.00"}, {"id": "g3", "tariff": "a", "price": "100.00"}}},
		"Idempotency-Key", "gate-sale")
	if r.Status != 201 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
	var sale struct{ Tickets []struct{ ID, Code string } }
	if err := json.Unmarshal(r.Body, &sale); err != nil {
		t.Fatal(err)
	}
	if r := env.Do("POST", "/v1/tickets/refunds", key, map[string]any{"session_id": "s",
		"tickets": []map[string]string{{"id": "g3", "refunded_at": time.Now().Format(time.RFC3339)}}}, "Idempotency-Key", "gate-refund"); r.Status != 201 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	dir := t.TempDir()
	queue := filepath.Join(dir, "q.ndjson")
	codes := filepath.Join(dir, "codes.txt")
	os.WriteFile(codes, []byte(strings.Join([]string{sale.Tickets[0].Code, sale.Tickets[0].Code, sale.Tickets[2].Code, "KZT1:BROKEN", sale.Tickets[1].Code}, "\n")+"\n"), 0o600)
	getenv := func(k string) string {
		if k == "ECINEMA_API_KEY" {
			return key
		}
		return ""
	}
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"gate", "--url", env.URL, "--venue", "hall", "--gate", "north", "--device", "laptop-1", "--queue", queue, "--codes", codes},
		getenv, &out, &errOut); err != nil {
		t.Fatalf("gate: %v\n%s", err, errOut.String())
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Result   string
			TicketID string `json:"ticket_id"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Result+":"+r.TicketID)
	}
	want := "admitted:g1 already_admitted:g1 revoked:g3 invalid_code: admitted:g2"
	if strings.Join(got, " ") != want {
		t.Fatalf("gate results %q, want %q", strings.Join(got, " "), want)
	}
	// Meanwhile g2 is admitted online at another gate.
	if r := env.Do("POST", "/v1/tickets/checkins", key, map[string]string{"code": sale.Tickets[1].Code, "gate": "south",
		"scanned_at": time.Now().Format(time.RFC3339), "device": "turnstile", "nonce": "x"}); r.Status != 200 {
		t.Fatalf("online: %d %s", r.Status, r.Body)
	}
	out.Reset()
	if err := run(t.Context(), []string{"gate", "upload", "--url", env.URL, "--device", "laptop-1", "--queue", queue}, getenv, &out, &errOut); err != nil {
		t.Fatalf("upload: %v\n%s", err, errOut.String())
	}
	got = nil
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Result   string
			TicketID string `json:"ticket_id"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Result+":"+r.TicketID)
	}
	want = "admitted:g1 duplicate_offline:g2"
	if strings.Join(got, " ") != want {
		t.Fatalf("uploaded results %q, want %q", strings.Join(got, " "), want)
	}
	if _, err := os.Stat(queue); !os.IsNotExist(err) {
		t.Fatalf("queue not emptied: %v", err)
	}
}
