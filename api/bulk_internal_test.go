package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/internal/pgtest"
	"ecinema/internal/postgres"
)

// TestBulkReadersLeaveTheWritePath (issue 13 D5): 8 streaming exports on a
// pool of 4 raised the sale p50 from 5 ms to 560 ms. Bulk routes run at most
// BulkReaders at once, so however many are waiting, a request of the write
// path still gets a connection at once. Without the limit (the control
// case) the same load starves it.
func TestBulkReadersLeaveTheWritePath(t *testing.T) {
	url := pgtest.NewDatabase(t)
	for _, tc := range []struct {
		name        string
		bulkReaders int
		starved     bool
	}{{"limited", 2, false}, {"unlimited", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			pool, err := postgres.Open(t.Context(), url, postgres.MaxConns(4))
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			s := New(Deps{Pool: pool, BulkReaders: tc.bulkReaders, DBTimeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			release := make(chan struct{})
			holding := make(chan struct{}, 8)
			// A bulk read holds its connection until released, as a slow
			// export client does.
			s.echo.GET("/test/bulk", func(c echo.Context) error {
				conn, err := pool.Acquire(c.Request().Context())
				if err != nil {
					return err
				}
				defer conn.Release()
				holding <- struct{}{}
				<-release
				return c.NoContent(http.StatusOK)
			}, s.bulk)
			s.echo.GET("/test/write", func(c echo.Context) error {
				ctx, cancel := context.WithTimeout(c.Request().Context(), 300*time.Millisecond)
				defer cancel()
				if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
					return c.NoContent(http.StatusServiceUnavailable)
				}
				return c.NoContent(http.StatusOK)
			})
			srv := httptest.NewServer(s)
			defer srv.Close()

			const exports = 8
			holders := min(exports, max(tc.bulkReaders, 4))
			if tc.bulkReaders > 0 {
				holders = tc.bulkReaders
			}
			var done sync.WaitGroup
			for range exports {
				done.Add(1)
				go func() {
					defer done.Done()
					if res, err := http.Get(srv.URL + "/test/bulk"); err == nil {
						res.Body.Close()
					}
				}()
			}
			for range holders {
				<-holding
			}
			time.Sleep(50 * time.Millisecond) // let the others queue for slots or connections
			for i := range 5 {
				start := time.Now()
				res, err := http.Get(srv.URL + "/test/write")
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				took := time.Since(start)
				if starved := res.StatusCode != http.StatusOK; starved != tc.starved {
					t.Fatalf("write %d: %d after %v with %d bulk readers holding (pool %d acquired)", i, res.StatusCode, took, holders, pool.Stat().AcquiredConns())
				}
			}
			close(release)
			done.Wait()
		})
	}
}
