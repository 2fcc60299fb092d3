package ingest_test

import (
	"strconv"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/internal/app"
)

// TestRateLimitPerKey: each API key has its own token bucket; over it the
// answer is 429 rate_limited with Retry-After, and nothing is written.
func TestRateLimitPerKey(t *testing.T) {
	env := newWorld(t, func(c *app.Config) { c.RateLimit = 0.5; c.RateBurst = 2 })
	a := env.Key(apikey.RolePOS, "c1", "")
	b := env.Key(apikey.RolePOS, "c1", "")
	body := map[string]any{"screening_id": "s1", "tickets": []tk{ticket("t1", time.Now(), "1.00", "")}}
	for i := range 2 {
		if r := env.Do("POST", "/v1/sales", a, body, "Idempotency-Key", "k"+strconv.Itoa(i)); r.Status != 404 {
			t.Fatalf("request %d within the burst: %d %s", i, r.Status, r.Body)
		}
	}
	r := env.Do("POST", "/v1/sales", a, body, "Idempotency-Key", "k3")
	if r.Status != 429 || r.ErrorCode() != "rate_limited" {
		t.Fatalf("over the limit: %d %s", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Fatalf("Retry-After %q, want 1 or 2 seconds at 0.5 requests/s", r.Header.Get("Retry-After"))
	}
	if r := env.Do("POST", "/v1/sales", b, body, "Idempotency-Key", "k3"); r.Status != 404 {
		t.Fatalf("another key is limited too: %d %s", r.Status, r.Body)
	}
}
