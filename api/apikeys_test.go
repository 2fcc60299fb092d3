package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// TestAPIKeys: an admin creates a key over HTTP (secret shown once), the
// key sees itself in whoami, is listed, expires or is revoked; a 403 names
// the roles allowed; last_used_at is written at most once a minute.
func TestAPIKeys(t *testing.T) {
	w := apptest.New(t)
	w.Do("PUT", "/v1/parties/prod-a", w.AdminKey, map[string]any{"kind": "producer", "name": "Қазақфильм АҚ", "bin": "100000000001"})

	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	r := w.Do("POST", "/v1/apikeys", w.AdminKey, map[string]any{"role": "producer", "name": "Studio accountant", "party": "prod-a",
		"expires_at": exp.Format(time.RFC3339)})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var created struct {
		ID, Secret string
		Scope      map[string]string
		ExpiresAt  *time.Time `json:"expires_at"`
	}
	r.JSON(t, &created)
	if !strings.HasPrefix(created.Secret, "eck_") || created.Scope["party"] != "prod-a" || created.ExpiresAt == nil || !created.ExpiresAt.Equal(exp) {
		t.Fatalf("created %+v", created)
	}

	r = w.Do("GET", "/v1/whoami", created.Secret, nil)
	var me struct {
		KeyID      string            `json:"key_id"`
		Name       string            `json:"name"`
		Role       string            `json:"role"`
		Scope      map[string]string `json:"scope"`
		CreatedAt  time.Time         `json:"created_at"`
		LastUsedAt *time.Time        `json:"last_used_at"`
		ExpiresAt  *time.Time        `json:"expires_at"`
	}
	r.JSON(t, &me)
	if r.Status != 200 || me.KeyID != created.ID || me.Role != "producer" || me.Name != "Studio accountant" ||
		me.Scope["party"] != "prod-a" || me.LastUsedAt == nil || me.ExpiresAt == nil {
		t.Fatalf("whoami: %d %s", r.Status, r.Body)
	}

	// last_used_at: the first request wrote it; later ones within the minute do not.
	first := *me.LastUsedAt
	for range 3 {
		w.Do("GET", "/v1/whoami", created.Secret, nil)
	}
	k, err := w.App.Keys.Get(context.Background(), created.ID)
	if err != nil || k.LastUsedAt == nil || !k.LastUsedAt.Equal(first) {
		t.Fatalf("last_used_at moved within the minute: %v (first %v) %v", k.LastUsedAt, first, err)
	}
	w.App.Keys.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
	w.Do("GET", "/v1/whoami", created.Secret, nil)
	k, _ = w.App.Keys.Get(context.Background(), created.ID)
	if k.LastUsedAt == nil || !k.LastUsedAt.After(first.Add(time.Minute)) {
		t.Fatalf("last_used_at not written after a minute: %v", k.LastUsedAt)
	}
	// Past its expiry the key is unknown.
	w.App.Keys.SetClock(func() time.Time { return exp.Add(time.Second) })
	if r := w.Do("GET", "/v1/whoami", created.Secret, nil); r.Status != 401 {
		t.Fatalf("expired key: %d", r.Status)
	}
	w.App.Keys.SetClock(time.Now)

	// 403 names the roles that may.
	r = w.Do("GET", "/v1/apikeys", created.Secret, nil)
	if r.Status != 403 || !strings.Contains(string(r.Body), "allowed roles: admin") || !strings.Contains(string(r.Body), `"field":"role"`) {
		t.Fatalf("403: %d %s", r.Status, r.Body)
	}

	// List (admin), then revoke: the key stops working, revoking again is fine, unknown is 404.
	r = w.Do("GET", "/v1/apikeys", w.AdminKey, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), created.ID) || strings.Contains(string(r.Body), created.Secret) {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	if r := w.Do("DELETE", "/v1/apikeys/"+created.ID, w.AdminKey, nil); r.Status != 204 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := w.Do("GET", "/v1/whoami", created.Secret, nil); r.Status != 401 {
		t.Fatalf("revoked key: %d", r.Status)
	}
	if r := w.Do("DELETE", "/v1/apikeys/"+created.ID, w.AdminKey, nil); r.Status != 204 {
		t.Fatalf("revoke twice: %d", r.Status)
	}
	if r := w.Do("DELETE", "/v1/apikeys/key_000000000000", w.AdminKey, nil); r.Status != 404 {
		t.Fatalf("revoke unknown: %d %s", r.Status, r.Body)
	}

	// Bad bodies: unknown role (400), scope that does not fit (422), expiry in the past (422).
	for _, c := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"role": "king", "name": "x"}, 400},
		{map[string]any{"role": "producer", "name": "x"}, 422},
		{map[string]any{"role": "analyst", "name": "x", "cinema": "c1"}, 422},
		{map[string]any{"role": "analyst", "name": "x", "bin": "100140000011"}, 400},
		{map[string]any{"role": "analyst", "name": "x", "expires_at": "2020-01-01T00:00:00Z"}, 422},
		{map[string]any{"role": "analyst", "name": "x", "expires_at": "tomorrow"}, 400},
		{map[string]any{"role": "producer", "name": "x", "party": "nobody"}, 422},
	} {
		if r := w.Do("POST", "/v1/apikeys", w.AdminKey, c.body); r.Status != c.status {
			t.Errorf("%v: %d %s", c.body, r.Status, r.Body)
		}
	}
	// A national role has an empty scope object.
	_, secret, _ := w.App.Keys.Create(context.Background(), apikey.Spec{Name: "a", Role: apikey.RoleAnalyst})
	if r := w.Do("GET", "/v1/whoami", secret, nil); !strings.Contains(string(r.Body), `"scope":{}`) || !strings.Contains(string(r.Body), `"expires_at":null`) {
		t.Errorf("analyst whoami %s", r.Body)
	}
}
