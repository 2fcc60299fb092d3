// Package pgtest gives each test its own freshly migrated PostgreSQL
// database on a real server.
//
// When ECINEMA_TEST_DATABASE_URL is set (make test sets it, see
// internal/pgtest/withpg), databases are created on that server. Otherwise
// the first call starts a throwaway cluster for the test binary, which
// Main stops when the tests end.
//
// Migrations run once per server into a template database named after a
// hash of the migration files; each test then gets
// CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY (about 35 ms) and
// drops it in t.Cleanup.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgcluster"
	"ecinema/internal/postgres"
	"ecinema/migrations"
)

// EnvURL names the variable holding an existing server's URL (any database;
// only host, port and user are used).
const EnvURL = "ECINEMA_TEST_DATABASE_URL"

var (
	once     sync.Once
	server   string // URL of the maintenance database "postgres"
	template string
	setupErr error
	cluster  *pgcluster.Cluster
	counter  atomic.Int64
)

// Main runs the tests of a package and stops the cluster this binary
// started, if any, then runs cleanups (for example a benchmark's own
// cluster). Use it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M, cleanups ...func()) {
	code := m.Run()
	for _, c := range cleanups {
		c()
	}
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		os.RemoveAll(clusterRoot)
	}
	os.Exit(code)
}

var clusterRoot string

// StartCluster starts a throwaway fast cluster under a short /tmp path and
// returns it with its root directory (remove it after Stop).
func StartCluster(ctx context.Context) (*pgcluster.Cluster, string, error) {
	root, err := os.MkdirTemp("/tmp", "ecpg")
	if err != nil {
		return nil, "", err
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return nil, "", err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{
		DataDir: root + "/data", SocketDir: root + "/s", Fast: true, LogFile: root + "/log/postgres.log",
	})
	if err != nil {
		os.RemoveAll(root)
		return nil, "", err
	}
	return c, root, nil
}

func setup() {
	ctx := context.Background()
	if u := os.Getenv(EnvURL); u != "" {
		server, setupErr = withDatabase(u, "postgres")
	} else {
		var root string
		cluster, root, setupErr = StartCluster(ctx)
		clusterRoot = root
		if setupErr == nil {
			server = cluster.URL("postgres")
		}
	}
	if setupErr != nil {
		return
	}
	template, setupErr = ensureTemplate(ctx)
}

// ensureTemplate creates the migrated template database once per server,
// under an advisory lock held in the maintenance database so that test
// binaries of several packages running at once agree.
func ensureTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "ecinema_tpl_" + sum[:12]
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727274)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, err := withDatabase(server, name)
	if err != nil {
		return "", err
	}
	if err := migrations.Up(ctx, u); err != nil {
		return "", fmt.Errorf("pgtest: migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" WITH is_template true"); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() (string, error) {
	h := sha256.New()
	names, err := fs.Glob(migrations.FS(), "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS(), n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// NewDatabase creates a migrated database for this test, dropped when the
// test ends, and returns its URL. The URL connects as the owner (superuser);
// use postgres.Open on it to act as the service role.
func NewDatabase(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	name := fmt.Sprintf("t_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", name, template)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), server)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := withDatabase(server, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// NewPool returns a pool on a fresh migrated database acting as the service
// role (see internal/postgres), closed when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return Pool(t, NewDatabase(t))
}

// Pool opens a service-role pool on url, closed when the test ends.
func Pool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// OwnerPool opens a pool on url as the owner (superuser), for tests that
// inspect or tamper with tables the service role cannot change.
func OwnerPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.OpenOwner(context.Background(), url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func withDatabase(raw, db string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("pgtest: bad %s: %w", EnvURL, err)
	}
	u.Path = "/" + db
	return u.String(), nil
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 30 {
			break
		}
	}
	return b.String()
}

// Querier is what Row reads from: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CheckedRow is a query result whose Scan fails the test on any error, so
// that a test never asserts on a value that was never read.
type CheckedRow struct {
	t   testing.TB
	row pgx.Row
	sql string
}

// Row runs a one-row query for a test; see CheckedRow.
func Row(t testing.TB, q Querier, sql string, args ...any) CheckedRow {
	t.Helper()
	return CheckedRow{t: t, row: q.QueryRow(t.Context(), sql, args...), sql: sql}
}

// Scan scans the row into dest or fails the test.
func (r CheckedRow) Scan(dest ...any) {
	r.t.Helper()
	if err := r.row.Scan(dest...); err != nil {
		r.t.Fatalf("query %q: %v", r.sql, err)
	}
}
