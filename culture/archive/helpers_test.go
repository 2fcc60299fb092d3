package archive_test

import (
	"context"
	"testing"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// scopedKey issues an archivist key.
func scopedKey(t *testing.T, env *apptest.Env) string {
	t.Helper()
	_, secret, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "archivist", Role: apikey.RoleArchivist})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
