// Package migrations holds the database schema as numbered SQL files,
// embedded into the binary, and applies them.
//
// Invariants:
//   - Schema lives only here; code never creates tables.
//   - Files are applied in order by goose under a PostgreSQL advisory lock,
//     so two servers starting at once cannot race.
//   - Migrations run as the database owner. The running service switches to
//     the role ecinema_app (see internal/postgres), which holds only SELECT and
//     INSERT on the ledger tables; every other table gets the privileges its
//     migration grants.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver goose runs on
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// FS returns the embedded migration files.
func FS() fs.FS { return files }

// Up applies every pending migration to the database at url.
func Up(ctx context.Context, url string) error {
	p, db, err := provider(url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: up: %w", err)
	}
	return nil
}

func provider(url string) (*goose.Provider, *sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, nil, fmt.Errorf("migrations: open: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(locker), goose.WithAllowOutofOrder(true))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, db, nil
}

// versions lists the versions of the embedded migrations, in order.
func versions() []int64 {
	var out []int64
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// Querier runs one-row queries: a pgxpool.Pool, a pgx.Conn or a pgx.Tx.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const sqlApplied = `SELECT count(DISTINCT version_id) FROM goose_db_version WHERE is_applied AND version_id = ANY($1)`

// Missing reports how many embedded migrations the database has not
// applied, through the caller's connection pool: a readiness probe opens no
// connection of its own (migration 0018 lets the service role read goose's
// table).
func Missing(ctx context.Context, q Querier) (int, error) {
	want := versions()
	var applied int
	if err := q.QueryRow(ctx, sqlApplied, want).Scan(&applied); err != nil {
		return 0, fmt.Errorf("migrations: applied versions: %w", err)
	}
	return len(want) - applied, nil
}
