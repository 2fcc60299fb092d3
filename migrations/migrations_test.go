package migrations_test

import (
	"context"
	"slices"
	"testing"

	"ecinema/internal/pgtest"
	"ecinema/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMissing: on a migrated database, read through the service's own pool
// (role ecinema_app), no migration is missing; a version the database never
// saw counts as missing.
func TestMissing(t *testing.T) {
	vs := migrations.Versions()
	if len(vs) < 18 || !slices.IsSorted(vs) || vs[0] != 1 {
		t.Fatalf("Versions() = %v", vs)
	}
	pool := pgtest.NewPool(t)
	n, err := migrations.Missing(context.Background(), pool)
	if err != nil || n != 0 {
		t.Fatalf("Missing on a migrated database = %d, %v; want 0", n, err)
	}
	owner := pgtest.OwnerPool(t, pgtest.NewDatabase(t))
	if _, err := owner.Exec(context.Background(), `DELETE FROM goose_db_version WHERE version_id = $1`, vs[len(vs)-1]); err != nil {
		t.Fatal(err)
	}
	if n, err := migrations.Missing(context.Background(), owner); err != nil || n != 1 {
		t.Fatalf("Missing after forgetting the last version = %d, %v; want 1", n, err)
	}
}
