package demo

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// writer starts a ledger writer on pool for the test.
func writer(t testing.TB, pool *pgxpool.Pool) *ledger.Writer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

var testNow = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

func TestLoadSmall(t *testing.T) {
	pool := pgtest.NewPool(t)
	w := writer(t, pool)
	st, err := Load(t.Context(), pool, w, Config{Days: 7, Scale: 0.1, Seed: 7, Now: func() time.Time { return testNow }, Progress: tlog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", st)
}

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
