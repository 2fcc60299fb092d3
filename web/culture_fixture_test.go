package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"ecinema/internal/app"
	"ecinema/internal/apptest"
)

// demoEnv is a service (apptest.New with opts) with load's demo data
// written through it: the fixture of each culture page's tests.
func demoEnv(t *testing.T, load func(ctx context.Context, env *apptest.Env) error, opts ...func(*app.Config)) *apptest.Env {
	t.Helper()
	env := apptest.New(t, opts...)
	if err := load(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	return env
}

// pageHas gets u with c and fails the test unless it answers 200 with every
// one of wants in its body, which it returns.
func pageHas(t *testing.T, c *http.Client, u string, wants ...string) string {
	t.Helper()
	status, body, _ := get(t, c, u)
	if status != http.StatusOK {
		t.Fatalf("%s = %d", u, status)
	}
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", u, want)
		}
	}
	return body
}
