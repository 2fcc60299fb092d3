package pgtest_test

import (
	"testing"

	"ecinema/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewPoolIsMigratedAndRestricted(t *testing.T) {
	pool := pgtest.NewPool(t)
	var n int
	if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM regions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 20 {
		t.Fatalf("regions = %d, want 20", n)
	}
	var role string
	if err := pool.QueryRow(t.Context(), "SELECT current_user").Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role != "ecinema_app" {
		t.Fatalf("current_user = %q, want ecinema_app", role)
	}
}
