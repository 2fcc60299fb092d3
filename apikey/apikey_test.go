package apikey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ecinema/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestCheckScope(t *testing.T) {
	for _, tc := range []struct {
		role                 Role
		cinema, party, scope string
		ok                   bool
	}{
		{RoleAdmin, "", "", "", true},
		{RoleAdmin, "c1", "", "", false},
		{RolePOS, "c1", "", "", true},
		{RolePOS, "", "", "", false},
		{RolePOS, "c1", "p1", "", false},
		{RoleExhibitor, "c1", "", "", true},
		{RoleExhibitor, "", "p1", "", true},
		{RoleExhibitor, "c1", "p1", "", false},
		{RoleProducer, "", "p1", "", true},
		{RoleProducer, "c1", "", "", false},
		{RoleRightsHolder, "", "", "", false},
		{RoleAnalyst, "", "", "", true},
		{RoleTax, "", "p1", "", false},
		{"janitor", "", "", "", false},
		{RoleVenue, "", "", "opera-astana", true},
		{RoleVenue, "", "", "", false},
		{RoleVenue, "c1", "", "opera-astana", false},
		{RoleVenue, "", "", "bad id!", false},
		{RoleCurator, "", "", "museum-1", true},
		{RoleNGO, "", "", "100000000001", true},
		{RoleNGO, "", "", "100000000002", false}, // wrong check digit
		{RoleApplicant, "", "", "", false},
		{RoleExpert, "", "", "exp-7", true},
		{RoleHubOperator, "", "", "hub-almaty", true},
		{RoleArchivist, "", "", "", true},
		{RoleArchivist, "", "", "x", false},
		{RoleLibrarian, "", "", "", true},
		{RoleFundOfficer, "", "p1", "", false},
		{RoleAnalyst, "", "", "opera", false},
	} {
		err := CheckScope(Spec{Name: "n", Role: tc.role, CinemaID: tc.cinema, PartyID: tc.party, Scope: tc.scope})
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidScope)) {
			t.Errorf("CheckScope(%s, %q, %q, %q) = %v, want ok=%v", tc.role, tc.cinema, tc.party, tc.scope, err, tc.ok)
		}
	}
}

func TestStore(t *testing.T) {
	pool := pgtest.NewPool(t)
	s := NewStore(pool)
	ctx := context.Background()
	k, secret, err := s.Create(ctx, Spec{Name: "ministry ops", Role: RoleAdmin})
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
	if _, _, err := s.Create(ctx, Spec{Name: "pos", Role: RolePOS, CinemaID: "no-such-cinema"}); !errors.Is(err, ErrInvalidScope) {
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
	if _, _, err := s.Create(ctx, Spec{Name: "wrong kind", Role: RoleProducer, PartyID: "exh"}); !errors.Is(err, ErrInvalidScope) {
		t.Fatalf("producer key for an exhibitor party: %v", err)
	}
	if _, _, err := s.Create(ctx, Spec{Name: "exhibitor", Role: RoleExhibitor, PartyID: "exh"}); err != nil {
		t.Fatalf("exhibitor key for its party: %v", err)
	}
	if _, _, err := s.Create(ctx, Spec{Name: "rights", Role: RoleRightsHolder, PartyID: "exh"}); err != nil {
		t.Fatalf("rights holder key for a party of another kind: %v", err)
	}
	keys, err := s.List(ctx)
	if err != nil || len(keys) != 3 || keys[0].RevokedAt == nil {
		t.Fatalf("List = %+v, %v", keys, err)
	}
}

func TestCultureScope(t *testing.T) {
	pool := pgtest.NewPool(t)
	s := NewStore(pool)
	ctx := context.Background()
	s.SetScopeTarget(RoleVenue, func(_ context.Context, id string) error {
		if id != "opera-astana" {
			return fmt.Errorf("%w: venue %q is not registered", ErrInvalidScope, id)
		}
		return nil
	})
	if _, _, err := s.Create(ctx, Spec{Name: "box office", Role: RoleVenue, Scope: "no-such-venue"}); !errors.Is(err, ErrInvalidScope) {
		t.Fatalf("venue key for an unknown venue: %v, want ErrInvalidScope", err)
	}
	k, secret, err := s.Create(ctx, Spec{Name: "box office", Role: RoleVenue, Scope: "opera-astana"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyID != k.ID || p.Role != RoleVenue || p.Scope != "opera-astana" || p.CinemaID != "" || p.PartyID != "" {
		t.Fatalf("Resolve = %+v", p)
	}
	_, ngoSecret, err := s.Create(ctx, Spec{Name: "ngo", Role: RoleNGO, Scope: "100000000001"})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Resolve(ctx, ngoSecret); err != nil || p.Role != RoleNGO || p.Scope != "100000000001" {
		t.Fatalf("Resolve ngo = %+v, %v", p, err)
	}
	keys, err := s.List(ctx)
	if err != nil || len(keys) != 2 || keys[0].Scope != "opera-astana" || keys[1].Scope != "100000000001" {
		t.Fatalf("List = %+v, %v", keys, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE scope IS NOT NULL`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("stored scoped keys = %d, %v; want 2", n, err)
	}
}

// TestResolveBatched: lookups of many concurrent requests are read in
// batches, and each still sees the database as of its own arrival — a key
// revoked by another Store (another process) fails at once, an expired one
// by each request's own clock, an unknown one is unauthenticated.
func TestResolveBatched(t *testing.T) {
	pool := pgtest.NewPool(t)
	s, other := NewStore(pool), NewStore(pool)
	ctx := context.Background()
	soon := time.Now().Add(time.Hour)
	var secrets, ids []string
	for i := 0; i < 8; i++ {
		spec := Spec{Name: fmt.Sprintf("k%d", i), Role: RoleAnalyst}
		if i == 7 {
			spec.ExpiresAt = &soon
		}
		k, secret, err := s.Create(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		secrets, ids = append(secrets, secret), append(ids, k.ID)
	}
	s.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) }) // key 7 has expired
	check := func(revoked int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for n := 0; n < 400; n++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i := n % 9
				secret := "eck_unknown"
				if i < 8 {
					secret = secrets[i]
				}
				p, err := s.Resolve(ctx, secret)
				switch {
				case i == 8 || i == 7 || i == revoked:
					if !errors.Is(err, ErrUnauthenticated) {
						errs <- fmt.Errorf("secret %d: %+v, %v; want unauthenticated", i, p, err)
					}
				case err != nil || p.KeyID != ids[i]:
					errs <- fmt.Errorf("secret %d: %+v, %v", i, p, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	check(-1)
	if err := other.Revoke(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	check(3)
}
