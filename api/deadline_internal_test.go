package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestDeadlineIsIdleForStreams (D2): a request that makes no progress for
// DBTimeout is cancelled and answered 503 with Retry-After; one that keeps
// writing (a download, an export) or reading its body (an upload) is not
// cut, however long it runs.
func TestDeadlineIsIdleForStreams(t *testing.T) {
	const d = 200 * time.Millisecond
	s := New(Deps{DBTimeout: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.echo.GET("/test/stalls", func(c echo.Context) error {
		select {
		case <-c.Request().Context().Done():
			return c.Request().Context().Err()
		case <-time.After(5 * time.Second):
			return c.NoContent(http.StatusOK)
		}
	})
	s.echo.GET("/test/streams", func(c echo.Context) error {
		c.Response().WriteHeader(http.StatusOK)
		for range 10 { // 1 s in all, 100 ms between writes
			time.Sleep(d / 2)
			if c.Request().Context().Err() != nil {
				return nil
			}
			c.Response().Write([]byte("x"))
			c.Response().Flush()
		}
		return nil
	})
	s.echo.PUT("/test/upload", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		if c.Request().Context().Err() != nil {
			return c.Request().Context().Err()
		}
		return c.String(http.StatusOK, string(b))
	})
	srv := httptest.NewServer(s)
	defer srv.Close()

	start := time.Now()
	res, err := http.Get(srv.URL + "/test/stalls")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || time.Since(start) > time.Second {
		t.Fatalf("stalled request: %d after %v", res.StatusCode, time.Since(start))
	}
	res, err = http.Get(srv.URL + "/test/streams")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != strings.Repeat("x", 10) {
		t.Fatalf("a moving stream was cut: %q", b)
	}
	// An upload whose body trickles in for 1 s (the route is not one whose
	// text body cleanInput reads first).
	pr, pw := io.Pipe()
	go func() {
		for range 10 {
			time.Sleep(d / 2)
			pw.Write([]byte("y"))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", srv.URL+"/test/upload", pr)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != strings.Repeat("y", 10) {
		t.Fatalf("a moving upload was cut: %d %q", res.StatusCode, b)
	}
}
