package api_test

import (
	"bytes"
	"context"
	"testing"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// scopedKey issues a culture-role key with its scope (BIN, expert or hub).
func scopedKey(t *testing.T, env *apptest.Env, role apikey.Role, scope string) string {
	t.Helper()
	_, secret, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "test " + string(role), Role: role, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// expect fails the test unless res has the status and, for errors, the code.
func expect(t *testing.T, what string, res apptest.Response, status int, code string) {
	t.Helper()
	if res.Status != status || res.ErrorCode() != code {
		t.Fatalf("%s: %d %s, want %d %q: %s", what, res.Status, res.ErrorCode(), status, code, res.Body)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
