package ledger_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
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
	if _, err := owner.Exec(context.Background(), `CREATE TABLE ledger_projection_probe (seq bigint PRIMARY KEY, price numeric(12,2))`); err != nil {
		t.Fatal(err)
	}
	return pgtest.Pool(t, url)
}

// quiet is a logger for tests that expect errors to be logged.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
func base64Encode(b []byte) string          { return base64.StdEncoding.EncodeToString(b) }
