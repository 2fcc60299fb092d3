package api_test

import (
	"strconv"
	"testing"

	"ecinema/apikey"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
)

// TestRateLimitPerKey: each API key has its own token bucket; over it the
// answer is 429 rate_limited with Retry-After, and another key is not
// slowed by it.
func TestRateLimitPerKey(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.RateLimit = 0.5; c.RateBurst = 2 })
	a := env.Key(apikey.RoleAnalyst, "", "")
	b := env.Key(apikey.RoleAnalyst, "", "")
	for i := range 2 {
		if r := env.Do("GET", "/v1/regions", a, nil); r.Status != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, r.Status, r.Body)
		}
	}
	r := env.Do("GET", "/v1/regions", a, nil)
	if r.Status != 429 || r.ErrorCode() != "rate_limited" {
		t.Fatalf("over the limit: %d %s", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Fatalf("Retry-After %q, want 1 or 2 seconds at 0.5 requests/s", r.Header.Get("Retry-After"))
	}
	if r := env.Do("GET", "/v1/regions", b, nil); r.Status != 200 {
		t.Fatalf("another key is limited too: %d %s", r.Status, r.Body)
	}
}
