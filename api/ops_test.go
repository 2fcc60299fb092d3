package api_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
)

// TestLanguagesGzipMetrics: error messages in kk/ru by Accept-Language or
// ?lang= (codes unchanged), no package prefixes in messages, gzip for large
// answers, and the operational metrics.
func TestLanguagesGzipMetrics(t *testing.T) {
	env := registered(t)
	if r := env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema()); r.Status != 200 {
		t.Fatalf("PUT cinema: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film()); r.Status != 200 {
		t.Fatalf("PUT film: %d %s", r.Status, r.Body)
	}
	analyst := env.Key(apikey.RoleAnalyst, "", "")

	r := env.Do("GET", "/v1/apikeys", analyst, nil, "Accept-Language", "ru-RU,ru;q=0.9")
	if r.Status != 403 || r.ErrorCode() != "forbidden" || r.Header.Get("Content-Language") != "ru" ||
		!strings.Contains(string(r.Body), "Роль или область действия") || !strings.Contains(string(r.Body), "admin") {
		t.Errorf("ru 403: %d %v %s", r.Status, r.Header.Get("Content-Language"), r.Body)
	}
	r = env.Do("GET", "/v1/boxoffice/rankings?period=day&lang=kk", analyst, nil, "Accept-Language", "ru")
	if r.Status != 400 || r.ErrorCode() != "invalid_query" || !strings.Contains(string(r.Body), "Сұрау параметрі қате") ||
		!strings.Contains(string(r.Body), `"field":"date"`) || !strings.Contains(string(r.Body), "міндетті өріс") {
		t.Errorf("kk 400: %d %s", r.Status, r.Body)
	}
	r = env.Do("GET", "/v1/boxoffice/rankings?period=day", analyst, nil)
	if r.Header.Get("Content-Language") != "en" || !strings.Contains(string(r.Body), "the request has invalid query parameters") {
		t.Errorf("en 400: %v %s", r.Header, r.Body)
	}
	// No "ledger: " or other package prefix reaches a client.
	for _, path := range []string{"/v1/ledger/entries/999999", "/v1/ledger/proofs/inclusion?seq=5&size=3", "/v1/parties/nobody"} {
		r := env.Do("GET", path, env.AdminKey, nil)
		if r.Status < 400 || strings.Contains(string(r.Body), "ledger: ") || strings.Contains(string(r.Body), "registry: ") {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}

	// A sale, a replay and a conflict for the metrics.
	pos := env.Key(apikey.RolePOS, "chaplin-mega", "")
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	if r := env.Do("PUT", "/v1/screenings/s1", pos, map[string]string{"hall_id": "h1", "film_id": "gulsary",
		"starts_at": start.UTC().Format(time.RFC3339), "format": "2D", "language": "kk"}); r.Status != 201 {
		t.Fatalf("PUT screening: %d %s", r.Status, r.Body)
	}
	sold := start.Add(-time.Hour).UTC().Format(time.RFC3339)
	var tickets []map[string]string
	for i := range 3 {
		tickets = append(tickets, map[string]string{"id": fmt.Sprintf("t%d", i), "sold_at": sold, "price": "2500.00",
			"category": "adult", "seat": fmt.Sprintf("R1-%d", i+1), "channel": "box_office"})
	}
	body := map[string]any{"screening_id": "s1", "tickets": tickets}
	for range 2 { // the second is a replay: counted once
		if r := env.Do("POST", "/v1/sales", pos, body, "Idempotency-Key", "k1"); r.Status != 201 {
			t.Fatalf("POST sales: %d %s", r.Status, r.Body)
		}
	}
	if r := env.Do("POST", "/v1/sales", pos, body, "Idempotency-Key", "k2"); r.Status != 409 {
		t.Fatalf("duplicate: %d", r.Status)
	}
	if _, err := env.App.Publisher.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := env.Do("GET", "/metrics", "", nil)
	for _, want := range []string{
		"ecinema_tickets_accepted_total 3",
		`ecinema_requests_rejected_total{code="duplicate_ticket"} 1`,
		`ecinema_requests_rejected_total{code="forbidden"} 1`,
		`ecinema_anomalies_total{flag="late_report"}`,
		"ecinema_checkpoint_age_seconds ",
	} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(string(m.Body), "ecinema_checkpoint_age_seconds -1") {
		t.Error("checkpoint age -1 after a publish")
	}

	// gzip when accepted, for answers over 1 KiB.
	if r := env.Do("GET", "/v1/films", analyst, nil, "Accept-Encoding", "gzip"); r.Header.Get("Content-Encoding") == "gzip" {
		t.Errorf("a %d-byte answer was gzipped", len(r.Body))
	}
	r = env.Do("GET", "/openapi.yaml", "", nil, "Accept-Encoding", "gzip")
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", r.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.HasPrefix(string(plain), "# OpenAPI 3 document") || len(plain) < 10*len(r.Body)/2 {
		t.Errorf("gunzipped %d bytes from %d", len(plain), len(r.Body))
	}

}
