package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestInternalErrorsDoNotLeak: a failure the error table does not know is a
// 500 whose body names no internals (api/doc.go), and the log has it.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	var logged strings.Builder
	s := New(Deps{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	secret := `pgx: connect to host=/tmp/ecinema-pg-7 user=ecinema password=hunter2: relation "api_keys" does not exist`
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/v1/parties/p1", nil), rec)
	s.handleError(fmt.Errorf("registry: party p1: %w", errors.New(secret)), c)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	for _, leak := range []string{"pgx", "hunter2", "api_keys", "registry:", "/tmp"} {
		if strings.Contains(body, leak) {
			t.Errorf("500 body leaks %q: %s", leak, body)
		}
	}
	if !strings.Contains(body, `"code":"internal"`) {
		t.Errorf("500 body %s, want code internal", body)
	}
	if !strings.Contains(logged.String(), "hunter2") {
		t.Errorf("the failure is not in the log: %s", logged.String())
	}
}
