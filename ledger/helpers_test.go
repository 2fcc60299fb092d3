package ledger_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgtest"
)

// pgtestNewPool returns a service-role pool on a fresh database that also has
// a probe projection table (created by the owner, granted to the service role).
func pgtestNewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	if _, err := owner.Exec(context.Background(), `CREATE TABLE ledger_projection_probe (seq bigint PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return pgtest.Pool(t, url)
}
