package apikey

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ecinema/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestCheckScope(t *testing.T) {
	for _, tc := range []struct {
		role          Role
		cinema, party string
		ok            bool
	}{
		{RoleAdmin, "", "", true},
		{RoleAdmin, "c1", "", false},
		{RolePOS, "c1", "", true},
		{RolePOS, "", "", false},
		{RolePOS, "c1", "p1", false},
		{RoleExhibitor, "c1", "", true},
		{RoleExhibitor, "", "p1", true},
		{RoleExhibitor, "c1", "p1", false},
		{RoleProducer, "", "p1", true},
		{RoleProducer, "c1", "", false},
		{RoleRightsHolder, "", "", false},
		{RoleAnalyst, "", "", true},
		{RoleTax, "", "p1", false},
		{"janitor", "", "", false},
	} {
		err := CheckScope(tc.role, tc.cinema, tc.party)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidScope)) {
			t.Errorf("CheckScope(%s, %q, %q) = %v, want ok=%v", tc.role, tc.cinema, tc.party, err, tc.ok)
		}
	}
}

func TestStore(t *testing.T) {
	pool := pgtest.NewPool(t)
	s := NewStore(pool)
	ctx := context.Background()
	k, secret, err := s.Create(ctx, "ministry ops", RoleAdmin, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "eck_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	var stored int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM api_keys WHERE secret_hash = $1", []byte(secret)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the secret itself is stored (%d, %v)", stored, err)
	}
	p, err := s.Resolve(ctx, secret)
	if err != nil || p.KeyID != k.ID || p.Role != RoleAdmin {
		t.Fatalf("Resolve = %+v, %v", p, err)
	}
	if _, err := s.Resolve(ctx, secret+"x"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, _, err := s.Create(ctx, "pos", RolePOS, "no-such-cinema", ""); !errors.Is(err, ErrInvalidScope) {
		t.Fatalf("pos key for an unregistered cinema: %v", err)
	}
	if err := s.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked key resolves: %v", err)
	}
	if err := s.Revoke(ctx, "key_nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES ('exh', 1, 'exhibitor', 'Kinopark', '100000000001', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create(ctx, "wrong kind", RoleProducer, "", "exh"); !errors.Is(err, ErrInvalidScope) {
		t.Fatalf("producer key for an exhibitor party: %v", err)
	}
	if _, _, err := s.Create(ctx, "exhibitor", RoleExhibitor, "", "exh"); err != nil {
		t.Fatalf("exhibitor key for its party: %v", err)
	}
	if _, _, err := s.Create(ctx, "rights", RoleRightsHolder, "", "exh"); err != nil {
		t.Fatalf("rights holder key for a party of another kind: %v", err)
	}
	keys, err := s.List(ctx)
	if err != nil || len(keys) != 3 || keys[0].RevokedAt == nil {
		t.Fatalf("List = %+v, %v", keys, err)
	}
}
